"""Issue 13 (Low): the demo's data folder and database are the running user's only (0700 and
0600), for folders made now and for an older demo's folder made readable by everyone."""

import os
import stat
import subprocess
import sys


def test_the_demo_data_folder_and_database_are_private(tmp_path):
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)  # noqa: S103 (the permissions under test)
    old = data / "hikkoshi.sqlite3"
    old.write_bytes(b"")
    os.chmod(old, 0o644)
    env = {**os.environ, "HIKKOSHI_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.dev"}
    env.pop("DATABASE_URL", None)
    old.unlink()  # a fresh database, made by migrate under the settings' umask
    (data / "old-session-file").write_text("x")
    os.chmod(data / "old-session-file", 0o644)
    done = subprocess.run(
        [sys.executable, "-m", "hikkoshi.cli", "manage", "migrate", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "old-session-file").stat().st_mode) == 0o600
    database = data / "hikkoshi.sqlite3"
    assert database.exists() and stat.S_IMODE(database.stat().st_mode) == 0o600
    for extra in data.glob("hikkoshi.sqlite3-*"):  # WAL and shared-memory files
        assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0, extra
