"""One Alembic migration at a time in a process, whichever database it is for.

Alembic keeps the running migration's context in module globals (`alembic.op`, `alembic.context`): two
threads migrating at once, even two different databases, remove each other's context mid-way ("'NoneType'
object has no attribute 'create_table'"). The desktop cache and the replay API server each migrate with
Alembic, and the tests run the server in the app's process, so both hold this one lock (no Alembic here).
"""

from __future__ import annotations

import threading

ALEMBIC_LOCK = threading.Lock()
