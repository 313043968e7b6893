"""The sync worker and the history mirror against StandCloud's test server (tests/_standcloud.py)."""

from __future__ import annotations

from _standcloud import api_key as api_key
from _standcloud import no_background_sync as no_background_sync
from _standcloud import reader as reader
from _standcloud import sc_server as sc_server
from _standcloud import server as server
from _standcloud import token_files as token_files
