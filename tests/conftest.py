"Helpers the test modules share."
import socket
import pytest

def _free_port() -> int:
    "A TCP port on 127.0.0.1 that nothing listens on now"
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

@pytest.fixture(scope='session')
def free_port():
    "`free_port()` gives a TCP port on 127.0.0.1 that nothing listens on now"
    return _free_port
