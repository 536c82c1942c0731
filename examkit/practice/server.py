"""Serving a Flask app of examkit's on this machine until Ctrl-C: the practice app and the
authoring preview alike."""

from __future__ import annotations

import signal
import socket
import threading


def run(app, host: str, port: int, open_browser: bool, what: str) -> str:
    """A thread per request (two tabs, two browsers or a script never wait on each other, nor on a
    browser holding a connection open); prints the address first, then serves. A SIGTERM stops it
    as Ctrl-C does, so the caller's clean-up (its worker processes) runs either way. An OSError (the
    port is taken, or not ours to bind) is the caller's to explain."""
    from werkzeug.serving import make_server, select_address_family

    # bound here, not by werkzeug: on a taken port werkzeug prints its own message and exits
    with socket.create_server((host, port), family=select_address_family(host, port)) as bound:
        server = make_server(host, port, app, threaded=True, fd=bound.fileno())  # works on a copy of it
    url = f"http://{f'[{host}]' if ':' in host else host}:{server.server_address[1]}/"
    print(f"{what} on {url} (Ctrl-C stops it)", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main else None
    try:
        server.serve_forever()  # returns on Ctrl-C: werkzeug takes the KeyboardInterrupt and closes the socket
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    print("\nstopped", flush=True)
    return url


def _interrupt(signum, frame):
    raise KeyboardInterrupt
