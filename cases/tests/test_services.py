import pytest

from cases.services.clients import is_valid_polish_nip, normalize_nip, split_emails


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PL 526-104-08-28", "5261040828"),
        ("526-10-40-828", "5261040828"),
        ("pl5261040828", "5261040828"),
        ("DE 123456789", "DE123456789"),
        ("", ""),
    ],
)
def test_nip_is_normalised(raw, expected):
    assert normalize_nip(raw) == expected


def test_nip_checksum():
    assert is_valid_polish_nip("5261040828")
    assert not is_valid_polish_nip("5261040829")


def test_emails_are_split_trimmed_validated_and_deduplicated():
    valid, invalid = split_emails(" biuro@firma.pl, KSIEGOWOSC@firma.pl;biuro@firma.pl  jan.kowalski(at)wp ")
    assert valid == ["biuro@firma.pl", "KSIEGOWOSC@firma.pl"]
    assert invalid == ["jan.kowalski(at)wp"]
    assert split_emails("") == ([], [])
