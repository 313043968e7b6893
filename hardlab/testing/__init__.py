"""Test and demo helpers shipped with hardlab.

`hardlab.testing.standcloud` is a StandCloud-compatible server (HTTPS on
loopback with a throwaway CA) for tests, CI and notebooks; it needs the
``standcloud-server`` extra.
"""
