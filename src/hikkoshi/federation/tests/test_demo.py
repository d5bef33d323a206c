"""``hikkoshi federation demo`` as someone trying it runs it, on free ports: three portals answer,
sapporo finds Osaka's organisations in kansai's copy (and Tokyo's in kanto's, once an adapter's
directory is pulled), and one Ctrl-C stops every process it started."""

import os
from pathlib import Path
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from hikkoshi.federation.demo import directory_files, portals_from
from hikkoshi.serving import free_port

READY = "Press Ctrl-C to stop everything."


def test_each_portal_imports_only_its_own_region_s_shipped_directory():
    # A copy with an area outside its portal's region is refused whole: kansai holds no tokyo.json.
    assert [path.name for path in directory_files("sapporo")] == ["sapporo.json"]
    assert [path.name for path in directory_files("kansai")] == ["osaka.json"]
    assert [path.name for path in directory_files("kanto")] == ["tokyo.json"]


def test_the_ports_follow_the_base_port_unless_a_portal_s_own_is_given(tmp_path):
    options = {"base_port": 9000, "sapporo_port": None, "kanto_port": None, "kansai_port": 9999, "kansai": "json"}
    portals = {portal.id: portal for portal in portals_from(options, tmp_path)}
    assert {slug: portal.url for slug, portal in portals.items()} == {
        "sapporo": "http://127.0.0.1:9000",
        "kanto": "http://127.0.0.1:9100",
        "kansai": "http://127.0.0.1:9999",
    }
    assert (portals["sapporo"].kind, portals["kanto"].kind, portals["kansai"].kind) == (
        "hikkoshi",
        "renrakucho",
        "kansai-json",
    )
    # Each fake gets a key of its own, new each run; a portal running hikkoshi signs instead.
    assert portals["kanto"].credential and portals["kansai"].credential != portals["kanto"].credential
    assert portals["sapporo"].credential == "" and portals["sapporo"].data_dir == tmp_path / "sapporo"


def _descendants(pid: int) -> set[int]:
    """Every process under ``pid`` now (Linux: each process's parent from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _organisations(url: str, postcode: str) -> list[dict]:
    answer = httpx.get(f"{url}/api/v1/organisations", params={"postcode": postcode}, timeout=10)
    assert answer.status_code == 200
    return answer.json()["organisations"]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the demo's processes in /proc")
def test_the_demo_runs_three_peered_portals_and_one_ctrl_c_stops_them_all(tmp_path):
    ports = {name: free_port() for name in ("sapporo", "kanto", "kansai")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {**os.environ, "HIKKOSHI_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.dev"}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "hikkoshi.cli", "federation", "demo", "--no-sandbox"]
    for name, port in ports.items():
        command += [f"--{name}-port", str(port)]
    printed = tmp_path / "demo.out"
    with open(printed, "wb") as out:
        demo = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while READY not in printed.read_text() and demo.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        shown = printed.read_text()
        assert READY in shown, shown[-3000:]
        for name, url in urls.items():
            assert f"{url}/" in shown, name
        assert "mover@example.jp  password " in shown
        # sapporo's pull at start (or its worker's first, a minute after it started, just before)
        assert re.search(r"kansai\t(copied\t4 organisation\(s\)|unchanged)", shown)
        # All three answer: the two portals their signed documents, kanto its own pages.
        for name in ("sapporo", "kansai"):
            assert httpx.get(urls[name] + "/.well-known/hikkoshi-portal", timeout=10).status_code == 200
        assert httpx.get(urls["kanto"] + "/renraku/tsuzuki", timeout=10).status_code == 200

        # The operator pulls again in sapporo's data dir: kansai's directory has not changed.
        sapporo_env = {
            **env,
            "HIKKOSHI_DATA_DIR": str(tmp_path / "federation" / "sapporo"),
            "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.federation_demo",
            "HIKKOSHI_REGION": "sapporo",
            "HIKKOSHI_PORTAL_URL": urls["sapporo"] + "/",
        }
        pulled = subprocess.run(
            [sys.executable, "-m", "hikkoshi.cli", "federation", "pull"],
            env=sapporo_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "kansai\tunchanged" in pulled.stdout, pulled.stdout + pulled.stderr

        # sapporo holds no Osaka entries of its own: what it answers is kansai's copy.
        osaka = _organisations(urls["sapporo"], "530-0001")
        assert {o["origin"]["id"] for o in osaka} == {"kansai"} and {o["portal"] for o in osaka} == {"kansai"}
        assert {"kansai:osaka-kita-ward", "kansai:kepco"} <= {o["id"] for o in osaka}
        assert osaka[0]["origin"]["name"] == "関西" and osaka[0]["origin"]["copied_at"]
        tokyo = _organisations(urls["sapporo"], "100-0001")
        processes = _descendants(demo.pid)
        assert len(processes) >= 8  # 2 × (portal, gunicorn and its worker, delivery worker and its child), kanto
    finally:
        demo.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            demo.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            raise
    assert demo.returncode == 0, printed.read_text()[-3000:]
    assert "Stopping the three portals" in printed.read_text()
    time.sleep(1)  # orphans, were there any, are reaped by now
    assert not [pid for pid in processes if _alive(pid)]
    for port in ports.values():
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)

    # kanto (renrakucho, reached through its adapter): its CSV directory copied like kansai's.
    assert any(line.startswith("kanto\t") and "not pulled" not in line for line in pulled.stdout.splitlines())
    assert tokyo and {o["origin"]["id"] for o in tokyo} >= {"kanto"}
    assert any(o["id"].startswith("kanto:") for o in tokyo)


def test_the_demo_s_portals_leave_no_flash_message_in_a_cookie_the_others_would_read(db, settings, client):
    # Browsers keep cookies per host: a "messages" cookie of sapporo's would be shown at kansai.
    import importlib

    from django.contrib.auth import get_user_model

    demo_settings = importlib.import_module("hikkoshi.settings.federation_demo")
    settings.MESSAGE_STORAGE = demo_settings.MESSAGE_STORAGE
    get_user_model().objects.create_user("flash@example.jp", "flash@example.jp", "pw-for-tests-1")
    answer = client.post("/accounts/login/", {"login": "flash@example.jp", "password": "pw-for-tests-1"})
    assert answer.status_code == 302
    assert "messages" not in answer.cookies
    assert client.session.get("_messages")  # kept in this portal's own session instead


@pytest.mark.parametrize("kind", ["renrakucho", "kansai-json"])
def test_a_fakes_credential_that_starts_with_a_dash_reaches_it(kind, monkeypatch):
    """The demo's random credentials (token_urlsafe) start with "-" one time in 64: the fake
    must still be given it, not refuse to start."""
    import importlib

    from hikkoshi.federation.demo import fake_args

    module, *argv = fake_args(kind, 0, "-Xy_z")
    fake = importlib.import_module(module)
    started = []
    monkeypatch.setattr(fake, "serve_forever", lambda server, name: started.append(server))
    fake.main(argv)
    [server] = started
    assert "-Xy_z" in vars(server).values()
