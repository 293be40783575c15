"""Run a command with the settings the App Engine app will have (used by deploy/deploy.sh).

    python deploy/run_with_env.py --yaml app.yaml --env-file SECRET.env [--cloudsql-port 5433] -- CMD...

Variables come from, in order of precedence: the real environment, the `env_variables` of the
App Engine yaml, then the `.env` lines of the Secret Manager secret (written to a temporary file
by deploy.sh). With --cloudsql-port, a DATABASE_URL that points at the App Engine socket
(`?host=/cloudsql/<instance>`) is rewritten to the Cloud SQL Auth Proxy on 127.0.0.1:<port>.
SECRET_MANAGER_ENV is dropped: the secret has been read already.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import environ


def yaml_env_variables(path: Path) -> dict[str, str]:
    """The `env_variables:` block of an App Engine yaml (flat `KEY: "value"` lines only)."""
    values: dict[str, str] = {}
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            inside = line.rstrip() == "env_variables:"
            continue
        if inside:
            match = re.fullmatch(r"\s+([A-Za-z_][A-Za-z0-9_]*):\s*(.*?)\s*", line)
            if match:
                raw = match.group(2)
                if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
                    raw = raw[1:-1]
                values[match.group(1)] = raw
    return values


def through_proxy(url: str, port: int) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if not query.get("host", "").startswith("/cloudsql/"):
        return url
    del query["host"]
    credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit((parts.scheme, f"{credentials}127.0.0.1:{port}", parts.path, urlencode(query), ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--yaml", type=Path, required=True)
    parser.add_argument("--env-file", type=Path, required=True)
    parser.add_argument("--cloudsql-port", type=int)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    for key, value in yaml_env_variables(args.yaml).items():
        os.environ.setdefault(key, value)
    environ.Env.read_env(args.env_file, overwrite=False)
    os.environ.pop("SECRET_MANAGER_ENV", None)
    if args.cloudsql_port and os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = through_proxy(os.environ["DATABASE_URL"], args.cloudsql_port)
    sys.stdout.flush()
    os.execvp(command[0], command)  # noqa: S606 - the deployer's own command line


if __name__ == "__main__":
    main()
