"""Deterministic, realistic Polish demo data for the simulator.

`build_demo_world(seed=..., today=...)` always yields the same clients and invoices for the same
arguments. The data deliberately contains what a dunning sync must cope with: NIPs with a
"PL" prefix or dashes, clients without an e-mail, with two comma-separated addresses or with an
invalid one, proformas, EUR invoices, drafts, printed and partly paid invoices; consumers
(`private_person`, no company name, no NIP) beside sole traders and companies. With
`receivables=True` (the simulator's command line and `/_sim/reset` use it) `seed_receivables`
adds the other documents a real account holds: a correction to zero, a partial credit, a positive
correction, an advance and the final invoice after it, a margin and an OSS invoice, a paid
correction with the quirk of the official examples, a draft and a proforma that open nothing.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from .world import PAYER_PROFILES, WARSAW, PayerProfile, World, vat_split_from_net

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)

COMPANY_STEMS = (
    "Budmax", "Polmet", "Agro-Trans", "Kowalczyk i Wspólnicy", "Mazowiecka Hurtownia Papieru", "Eko-Dom",
    "Transbud", "Wielkopolskie Zakłady Mięsne", "Inter-Serwis", "Drewpol", "Stal-Bud", "Mebloteka",
    "Zielony Ogród", "Novatech", "Piekarnia Złoty Kłos", "Auto-Części Nowak", "Biuro Rachunkowe Bilans",
    "Hydro-Instal", "Kwiaciarnia Storczyk", "Printex", "Gastro-Serwis", "Lubelskie Centrum Medyczne",
    "Elektro-Montaż", "Softpol", "Fabryka Okien Winmar", "Tłumaczenia Lingwa", "Optyk Soczewka",
    "Kamieniarstwo Granit", "Pracownia Architektoniczna Forma", "Logistyka Bałtyk",
)  # fmt: skip
LEGAL_FORMS = ("sp. z o.o.", "Sp. z o.o.", "S.A.", "s.c.", "sp.j.", "sp. k.")
FIRST_NAMES = (
    "Jan", "Anna", "Piotr", "Katarzyna", "Tomasz", "Agnieszka", "Paweł", "Małgorzata", "Krzysztof",
    "Magdalena", "Michał", "Joanna", "Grzegorz", "Ewa", "Łukasz", "Zofia", "Wojciech", "Barbara",
)  # fmt: skip
LAST_NAMES_M = (
    "Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
    "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Mazur", "Krawczyk", "Pietrzak", "Żak",
)  # fmt: skip
FEMALE_FIRST = {"Anna", "Katarzyna", "Agnieszka", "Małgorzata", "Magdalena", "Joanna", "Ewa", "Zofia", "Barbara"}
TRADES = (
    "Usługi Remontowe", "Transport Ciężarowy", "Usługi Informatyczne", "Doradztwo Podatkowe",
    "Instalacje Elektryczne", "Projektowanie Wnętrz", "Usługi Fotograficzne", "Hydraulika",
)  # fmt: skip
CITIES = (
    ("Warszawa", "00", "02"), ("Kraków", "30", "31"), ("Łódź", "90", "94"), ("Wrocław", "50", "54"),
    ("Poznań", "60", "61"), ("Gdańsk", "80", "80"), ("Szczecin", "70", "71"), ("Lublin", "20", "20"),
    ("Katowice", "40", "40"), ("Białystok", "15", "15"), ("Rzeszów", "35", "35"), ("Toruń", "87", "87"),
    ("Kielce", "25", "25"), ("Olsztyn", "10", "10"), ("Zielona Góra", "65", "65"), ("Opole", "45", "45"),
)  # fmt: skip
STREETS = (
    "ul. Marszałkowska", "ul. Piotrkowska", "ul. Długa", "ul. Kościuszki", "ul. Mickiewicza", "ul. Słowackiego",
    "al. Jana Pawła II", "ul. Polna", "ul. Leśna", "ul. Ogrodowa", "ul. Kwiatowa", "ul. Lipowa",
    "ul. Sienkiewicza", "al. Niepodległości", "ul. Żeromskiego", "ul. Wrocławska", "ul. Chopina", "os. Słoneczne",
)  # fmt: skip
MAIL_HOSTS = ("gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl")
NOTES = ("", "", "", "", "Zamówienie nr ZK/{n}/{y}", "Dotyczy umowy ramowej z dnia {d}", "Płatne przelewem.")

# Seller accounts (valid PL IBAN checksums, printed without the country code like on invoices).
PLN_ACCOUNT = "61 1090 1014 0000 0712 1981 2874"
EUR_ACCOUNT = "PL34 1140 2004 0000 3102 7654 3210"


def nip_checksum_ok(nip: str) -> bool:
    """True for a 10-digit NIP (after dropping prefix/separators) whose check digit is right."""
    digits = "".join(ch for ch in nip if ch.isdigit())
    if len(digits) != 10:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], NIP_WEIGHTS, strict=True)) % 11
    return total != 10 and total == int(digits[9])


def random_nip(rng: random.Random) -> str:
    """Ten digits with a valid check digit; the first three look like a tax office code."""
    while True:
        body = [rng.randint(1, 9), rng.randint(0, 9), rng.randint(0, 9)] + [rng.randint(0, 9) for _ in range(6)]
        check = sum(d * w for d, w in zip(body, NIP_WEIGHTS, strict=True)) % 11
        if check != 10:
            return "".join(map(str, body)) + str(check)


def format_nip(nip: str, style: int) -> str:
    """Ways NIPs are typed into invoicing software: plain, PL-prefixed, dashed, both."""
    dashed = f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}"
    return (nip, f"PL{nip}", dashed, f"PL {dashed}", f"{nip[:3]}-{nip[3:5]}-{nip[5:7]}-{nip[7:]}")[style]


def _ascii_slug(text: str) -> str:
    text = text.replace("ł", "l").replace("Ł", "L")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _iban_check(bban: str) -> str:
    number = int(bban + "2521" + "00")  # "PL" -> 25 21, then "00"
    return f"{98 - number % 97:02d}"


def _female(last_name: str, first_name: str) -> str:
    if first_name not in FEMALE_FIRST:
        return last_name
    for masc, fem in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if last_name.endswith(masc):
            return last_name[: -len(masc)] + fem
    return last_name


def _spread(count: int, share: float, minimum: int) -> int:
    return max(minimum, round(count * share)) if count >= 4 * minimum else round(count * share)


def _email_kinds(rng: random.Random, count: int) -> list[str]:
    kinds = (
        ["none"] * _spread(count, 0.08, 2) + ["two"] * _spread(count, 0.12, 2) + ["invalid"] * _spread(count, 0.05, 1)
    )
    kinds = kinds[:count]
    kinds += ["one"] * (count - len(kinds))
    rng.shuffle(kinds)
    return kinds


def _make_client(rng: random.Random, index: int, kind: str, email_kind: str) -> dict[str, Any]:
    city, pc_lo, pc_hi = rng.choice(CITIES)
    postal = f"{rng.randint(int(pc_lo), int(pc_hi)):02d}-{rng.randint(0, 999):03d}"
    first = rng.choice(FIRST_NAMES)
    last = _female(rng.choice(LAST_NAMES_M), first)
    fields: dict[str, Any] = {
        "street": rng.choice(STREETS),
        "street_number": str(rng.randint(1, 180)) + rng.choice(("", "", "", "A", "B")),
        "flat_number": rng.choice(("", "", "", str(rng.randint(1, 60)))),
        "city": city,
        "postal_code": postal,
        "country": "PL",
        "phone_number": rng.choice(
            ("", f"+48 {rng.randint(500, 889)} {rng.randint(100, 999)} {rng.randint(100, 999)}")
        ),
        "days_to_payment": rng.choice(("", 7, 14, 14, 30)),
        "payment_method": "transfer",
    }
    if kind == "private_person":
        fields |= {"company_name": None, "first_name": first, "last_name": last, "nip": None}
        domain = rng.choice(MAIL_HOSTS)
        local = f"{_ascii_slug(first)}.{_ascii_slug(last)}"
    else:
        if kind == "self_employed":
            trade = rng.choice(TRADES)
            name = f"{first} {last} {trade}"
            fields |= {"first_name": first, "last_name": last}
            local = _ascii_slug(first)
            domain = f"{_ascii_slug(last)}-{_ascii_slug(trade.split()[0])}.pl"
        else:
            stem = COMPANY_STEMS[index % len(COMPANY_STEMS)]
            form = rng.choice(LEGAL_FORMS)
            repeat = index >= len(COMPANY_STEMS)
            name = f"{stem} {city} {form}" if repeat else f"{stem} {form}"
            local = "biuro"
            domain = _ascii_slug(stem)[:18] + (f"-{_ascii_slug(city)}" if repeat else "") + ".pl"
        nip = random_nip(rng)
        style = rng.choices(range(5), weights=(60, 12, 12, 8, 8))[0]
        fields |= {"company_name": name, "business_activity_kind": kind, "nip": format_nip(nip, style)}
        fields["web_site"] = rng.choice(("", f"https://www.{domain}"))
    fields.setdefault("business_activity_kind", kind)
    fields["email"] = {
        "none": "",
        "one": f"{local}@{domain}",
        "two": f"{local}@{domain}, ksiegowosc@{domain}",
        "invalid": rng.choice((f"{local}(at){domain.split('.')[0]}", f"{local}@", f"{local} {domain}")),
    }[email_kind]
    return fields


def build_demo_world(
    *, seed: int = 42, today: date | None = None, clients: int = 60, invoices: int = 400, receivables: bool = False
) -> World:
    """A deterministic world of `clients` Polish buyers and `invoices` invoices around `today`."""
    today = today or datetime.now(WARSAW).date()
    rng = random.Random(seed)
    world = World(today=today, seed=seed, bank_account=PLN_ACCOUNT)
    kinds = rng.choices(("other_business", "self_employed", "private_person"), weights=(55, 20, 25), k=clients)
    profiles: list[PayerProfile] = list(rng.choices(PAYER_PROFILES, weights=(45, 35, 10, 10), k=clients))
    if clients >= len(PAYER_PROFILES):
        profiles[: len(PAYER_PROFILES)] = PAYER_PROFILES
        rng.shuffle(profiles)
    for index, (kind, email_kind) in enumerate(zip(kinds, _email_kinds(rng, clients), strict=True)):
        world.add_client(payer_profile=profiles[index], **_make_client(rng, index, kind, email_kind))
    client_list = world.all_clients()
    if not client_list:
        return world
    weights = [rng.choice((1, 1, 2, 3, 6)) for _ in client_list]
    specs = [_invoice_spec(rng, today, client, world.payer_profile(client["id"]), i)
             for i, client in enumerate(rng.choices(client_list, weights=weights, k=invoices))]  # fmt: skip
    specs.sort(key=lambda spec: (spec["invoice_date"], spec["_order"]))
    for spec in specs:
        spec.pop("_order")
        client_id = spec.pop("_client_id")
        world.add_invoice(client_id, **spec)
    if receivables:
        seed_receivables(world)
    return world


def seed_receivables(world: World) -> dict[str, dict[str, Any]]:
    """Add one of each receivable situation around the world's today; returns them by name.

    Buyers: a company, a sole trader and a consumer created here (so any world can take them).
    """
    today = world.today
    company = world.add_client(
        company_name="Hurtownia Zbożowa Ziarenko sp. z o.o.", nip="5213618478", business_activity_kind="other_business",
        email="faktury@ziarenko.pl", city="Poznań", postal_code="60-101", street="ul. Głogowska", street_number="12",
    )  # fmt: skip
    trader = world.add_client(
        company_name="Usługi Remontowe Marek Wójcik", first_name="Marek", last_name="Wójcik",
        business_activity_kind="self_employed", nip="PL 729-267-33-49", email="marek@remonty-wojcik.pl",
    )  # fmt: skip
    consumer = world.add_client(
        company_name=None, first_name="Halina", last_name="Pietrzak", business_activity_kind="private_person",
        nip=None, email="halina.pietrzak@wp.pl", city="Warszawa", postal_code="01-056", street="Smocza",
        street_number="73", flat_number=None,
    )  # fmt: skip
    docs: dict[str, dict[str, Any]] = {}

    def vat(client: dict[str, Any], days_due: int, net: int, **fields: Any) -> dict[str, Any]:
        due = today + timedelta(days=days_due)
        return world.add_invoice(
            client["id"], invoice_date=due - timedelta(days=14), payment_date=due, net_price=net, **fields
        )

    docs["corrected_to_zero"] = vat(company, -5, 100_000)
    docs["correction_to_zero"] = world.add_correction(
        docs["corrected_to_zero"]["uuid"], gross_change=-docs["corrected_to_zero"]["gross_price"],
        correction_reason="Zwrot całości towaru",
    )  # fmt: skip
    docs["partly_credited"] = vat(trader, -10, 250_000, status="printed")
    docs["partial_credit"] = world.add_correction(
        docs["partly_credited"]["uuid"], gross_change=-61_500, correction_reason="Inne: np. zwrot, rabat"
    )
    docs["raised"] = vat(company, 1, 40_000)
    docs["positive_correction"] = world.add_correction(
        docs["raised"]["uuid"], gross_change=24_600, payment_date=today + timedelta(days=14),
        correction_reason="Błąd rachunkowy lub inna oczywista omyłka",
    )  # fmt: skip
    docs["advance"] = vat(company, -30, 300_000, kind="advance", status="paid")
    docs["final"] = vat(company, 2, 450_000, kind="final", notes=f"Zaliczka {docs['advance']['number']} rozliczona")
    docs["advance_unpaid"] = vat(trader, -3, 80_000, kind="advance", status="sent")
    docs["margin"] = vat(consumer, -3, 150_000, kind="margin", notes="Procedura marży - towary używane")
    docs["oss"] = vat(consumer, -8, 20_000, kind="oss", currency="EUR", client_country="DE")
    docs["paid_vat"] = vat(trader, -20, 50_000, status="paid")
    docs["paid_correction_quirk"] = world.add_correction(
        docs["paid_vat"]["uuid"], gross_change=12_300, status="paid", paid_price=0, left_to_pay=12_300
    )
    docs["draft_margin"] = vat(consumer, 5, 10_000, kind="margin", status="draft")
    docs["proforma"] = vat(company, 3, 70_000, kind="proforma")
    return docs


def _invoice_spec(
    rng: random.Random, today: date, client: dict[str, Any], profile: PayerProfile, index: int
) -> dict[str, Any]:
    days = client.get("days_to_payment")
    term = days if isinstance(days, int) else rng.choice((7, 14, 14, 30))
    due = today + timedelta(days=rng.randint(-75, 30))
    issued = due - timedelta(days=term)
    if issued > today:
        issued, due = today, today + timedelta(days=term)
    # A few guaranteed specials so even small worlds show every kind/currency/status.
    forced = {0: "eur", 1: "proforma", 2: "draft", 3: "eur", 4: "proforma", 5: "draft"}.get(index)
    currency = "EUR" if forced == "eur" or rng.random() < 0.03 else "PLN"
    kind = "proforma" if forced == "proforma" or rng.random() < 0.06 else "vat"
    # Log-uniform net so gross runs from about 100 zł to 50 000 zł, with odd grosze.
    low, high = (2_000, 1_000_000) if currency == "EUR" else (8_130, 4_065_000)
    net = int(low * (high / low) ** rng.random())
    tax, gross = vat_split_from_net(net)
    status, paid, paid_on = _status_and_payment(rng, today, issued, due, gross, profile)
    if forced == "draft" or (issued >= today - timedelta(days=5) and rng.random() < 0.25):
        status, paid, paid_on = "draft", 0, None
    note = rng.choice(NOTES).format(n=rng.randint(10, 999), y=issued.year, d=(issued - timedelta(days=90)).isoformat())
    return {
        "_order": index,
        "_client_id": client["id"],
        "kind": kind,
        "status": status,
        "invoice_date": issued,
        "sale_date": issued - timedelta(days=rng.choice((0, 0, 0, 1, 3))),
        "payment_date": due,
        "paid_date": paid_on.isoformat() if paid_on else None,
        "net_price": net,
        "tax_price": tax,
        "gross_price": gross,
        "paid_price": paid,
        "left_to_pay": gross - paid,
        "currency": currency,
        "payment_method": client.get("payment_method") or "transfer",
        "bank_account": EUR_ACCOUNT if currency == "EUR" else PLN_ACCOUNT,
        "notes": note,
    }


def _status_and_payment(
    rng: random.Random, today: date, issued: date, due: date, gross: int, profile: PayerProfile
) -> tuple[str, int, date | None]:
    """Status, paid_price and paid_date consistent with the client's payment habits."""
    unpaid = "printed" if rng.random() < 0.3 else "sent"
    overdue_days = (today - due).days
    if profile == "prompt" and rng.random() < 0.9:
        paid_on = due - timedelta(days=rng.randint(0, 10))
        paid_on = max(issued, paid_on)
        if paid_on <= today:
            return "paid", gross, paid_on
    if profile == "late" and overdue_days > 0:
        lag = rng.randint(5, 45)
        if lag <= overdue_days:
            return "paid", gross, due + timedelta(days=lag)
        if rng.random() < 0.2:
            return unpaid, _part(rng, gross), None
    if profile == "partial" and overdue_days > 0 and rng.random() < 0.7:
        return unpaid, _part(rng, gross), None
    if profile != "never" and rng.random() < 0.04:  # occasional partial payment before the due date
        return unpaid, _part(rng, gross), None
    return unpaid, 0, None


def _part(rng: random.Random, gross: int) -> int:
    return max(1, min(gross - 1, gross * rng.randint(15, 75) // 100 + rng.randint(0, 99)))
