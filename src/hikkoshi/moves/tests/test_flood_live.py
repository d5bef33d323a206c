"""Issue 13, item 5, as the attack was made: one account sends 50 moves in a few seconds to a
running portal (``hikkoshi serve`` on 127.0.0.1, its own SQLite database, the shipped Sapporo
catalogue, the shipped limits). Five are accepted; the rest get 429 with Retry-After and
queue no delivery."""

import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from hikkoshi.serving import free_port

from .conftest import sapporo_relocation

PREPARE = """
import json
from pathlib import Path
from django.core.management import call_command
from hikkoshi.accounts.tests.conftest import make_user
from hikkoshi.accounts.models import ApiToken
import hikkoshi
package = Path(hikkoshi.__file__).parent
for name in ("sapporo", "tokyo", "osaka"):
    call_command("directory", "import", str(package / "directory" / "data" / f"{name}.json"), verbosity=0)
call_command("catalogue", "import", str(package / "catalogue" / "data" / "sapporo.json"), verbosity=0)
from django.contrib.auth import get_user_model
user = make_user(get_user_model(), "flood@example.jp")
print(json.dumps({"token": ApiToken.issue(user)[1]}))
"""

COUNT = """
import json
from hikkoshi.delivery.models import Delivery
from hikkoshi.moves.models import Move
first = Move.objects.order_by("pk").first()
print(json.dumps({"moves": Move.objects.count(), "deliveries": Delivery.objects.count(),
                  "deliveries_of_first": Delivery.objects.filter(entry__move=first).count()}))
"""


def _manage(env, *args, timeout=300) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "hikkoshi.cli", "manage", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_a_flood_of_submissions_from_one_account_is_cut_at_the_limit(tmp_path):
    env = {**os.environ, "HIKKOSHI_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.dev"}
    for name in ("DATABASE_URL", "HIKKOSHI_SUBMISSIONS_PER_HOUR", "HIKKOSHI_SUBMISSIONS_PER_DAY"):
        env.pop(name, None)
    _manage(env, "migrate", "-v", "0")
    token = json.loads(_manage(env, "shell", "-c", PREPARE).strip().splitlines()[-1])["token"]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "hikkoshi.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/moves"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        body = json.dumps(sapporo_relocation())
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept-Language": "ja"}
        statuses, refusals = [], []
        with httpx.Client(timeout=30) as client:
            started = time.monotonic()
            for _ in range(50):
                response = client.post(url, content=body, headers=headers)
                statuses.append(response.status_code)
                if response.status_code == 429:
                    refusals.append(response)
            elapsed = time.monotonic() - started
        assert statuses.count(201) == 5 and statuses.count(429) == 45, statuses
        assert statuses[:5] == [201] * 5
        for response in refusals:
            assert response.headers["content-type"] == "application/problem+json"
            assert 3000 < int(response.headers["retry-after"]) <= 3600
            assert "分後にもう一度お試しください" in response.json()["detail"]
        assert elapsed < 60
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    counts = json.loads(_manage(env, "shell", "-c", COUNT).strip().splitlines()[-1])
    assert counts["moves"] == 5
    assert counts["deliveries"] == 5 * counts["deliveries_of_first"] > 0  # only the accepted moves' deliveries
