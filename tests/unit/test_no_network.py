"""The test suite's own guard: nothing may reach beyond this machine."""

from __future__ import annotations

import socket

import pytest


def test_a_connection_to_an_outside_address_is_refused() -> None:
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError, match="network"):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed anyway


def test_loopback_stays_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())
