"""Command line: `python -m infakt_simulator --port 8099 --api-key demo --seed 42`."""

from __future__ import annotations

import argparse
from datetime import date, datetime

from .demo import build_demo_world
from .server import SimulatorServer
from .world import WARSAW


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infakt_simulator", description="inFakt API v3 simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--api-key", default="demo")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="simulated today, YYYY-MM-DD (default: today in Europe/Warsaw)",
    )
    parser.add_argument("--clients", type=int, default=60)
    parser.add_argument("--invoices", type=int, default=400)
    parser.add_argument("--no-rate-limit", action="store_true", help="disable the 300 GET / 60 s per IP limit")
    parser.add_argument("-q", "--quiet", action="store_true", help="no access log")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    today = args.today or datetime.now(WARSAW).date()
    world = build_demo_world(
        seed=args.seed, today=today, clients=args.clients, invoices=args.invoices, receivables=True
    )
    server = SimulatorServer(
        world,
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        rate_limit=not args.no_rate_limit,
        quiet=args.quiet,
    )
    state = world.state()
    print(f"inFakt simulator: {server.base_url} (legacy alias {server.root_url}/v3)", flush=True)
    print(f"API key: {args.api_key}   control API: {server.control_url}", flush=True)
    print(
        f"today={state['today']} seed={args.seed} clients={state['clients']} invoices={state['invoices']} "
        f"rate limit={'off' if args.no_rate_limit else '300 GET/60 s per IP'}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
