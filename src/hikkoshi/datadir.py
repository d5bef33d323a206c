"""The data folder (``HIKKOSHI_DATA_DIR``, the receiver's ``HIKKOSHI_RECEIVER_DATA_DIR``) holds the
embedded database (with session keys and personal data), keys and spooled files: only the user
who runs the portal may read it.

``private_data_dir(path)`` is called by the settings of every process that writes there (the
portal's dev/demo settings and the receiver's): it sets the process's umask to 077 (new files
0600, new folders 0700), creates the folder 0700, and takes group and other permissions away
from a folder and files made before (an older demo's ``var/``).
"""

import os
from pathlib import Path

PRIVATE_UMASK = 0o077


def private_data_dir(path: Path) -> Path:
    os.umask(PRIVATE_UMASK)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
        for child in path.iterdir():
            if child.is_file() and not child.is_symlink() and child.stat().st_mode & 0o077:
                child.chmod(child.stat().st_mode & 0o700)
    except OSError:  # a folder we do not own (a shared mount): leave it as it is
        pass
    return path
