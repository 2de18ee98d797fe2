# The compose health check of a database node: Patroni's REST API answers /health with 200
# while PostgreSQL runs (primary or standby). No curl in the image; python3 is Patroni's own.
import sys
import urllib.request

try:
    with urllib.request.urlopen("http://127.0.0.1:8008/health", timeout=2) as answer:
        sys.exit(0 if answer.status == 200 else 1)
except Exception:
    sys.exit(1)
