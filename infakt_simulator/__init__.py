"""A bundled simulator of the inFakt API v3 subset InvoiceTracker uses (standard library only).

* `world.World` – thread-safe in-memory clients/invoices, simulated "today", payments;
* `demo.build_demo_world` – deterministic Polish demo data for a seed;
* `server.SimulatorServer` – the HTTP API (`/api/v3`, legacy `/v3`) plus the `/_sim/` control API;
* `testing.running_simulator` – context manager serving a world on a free local port.

Run it with `python -m infakt_simulator --help`. API reference: /work/shared/infakt-api.md.
"""

from .demo import build_demo_world
from .server import RateLimiter, SimulatorServer
from .testing import RunningSimulator, running_simulator
from .world import Payment, QueryResult, SimulatorError, World

__all__ = [
    "Payment",
    "QueryResult",
    "RateLimiter",
    "RunningSimulator",
    "SimulatorError",
    "SimulatorServer",
    "World",
    "build_demo_world",
    "running_simulator",
]
