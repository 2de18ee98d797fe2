"""The services `docker compose up` starts by default: those without `profiles` and those with
a profile listed in COMPOSE_PROFILES (the environment's, else the last one in ./.env), one per
line. podman-compose 1.0 ignores profiles; the shim names these services to it instead."""
import os
import sys

import yaml  # PyYAML: podman-compose's own dependency


def active_profiles():
    value = os.environ.get("COMPOSE_PROFILES")
    if value is None and os.path.exists(".env"):
        with open(".env", encoding="utf-8") as env:
            for line in env:
                if line.startswith("COMPOSE_PROFILES="):
                    value = line.split("=", 1)[1].strip()
    return {p.strip() for p in (value or "").split(",") if p.strip()}


def main():
    with open(sys.argv[1] if len(sys.argv) > 1 else "docker-compose.yml", encoding="utf-8") as f:
        services = (yaml.safe_load(f) or {}).get("services") or {}
    active = active_profiles()
    for name, service in services.items():
        profiles = (service or {}).get("profiles") or []
        if not profiles or active.intersection(profiles):
            print(name)


main()
