#!/usr/bin/env python3
"""slow_proxy.py -- a TCP relay on 127.0.0.1 that slows one direction and counts it.

    slow_proxy.py --target HOST:PORT --port-file F --log LOG [--rate BYTES_PER_S]

Every connection accepted is relayed to --target. Bytes from the target to
the client pass at most --rate bytes a second (per connection), so that a
test can stop a download halfway; requests pass unthrottled. When a
connection ends (either side closes, or the client is killed), LOG gets one
JSON line: {"down": bytes sent to the client, "up": bytes sent to the target}.
The sum of "down" over a test is what the client really received: an oracle
independent of the client's own counters and of the target's access log
(which counts bytes the relay took in, not what reached the client).
"""
import argparse
import json
import os
import socket
import threading
import time


def relay(src, dst, rate, counter, key, done):
    chunk = 16384 if rate else 65536
    start = time.monotonic()
    try:
        while True:
            data = src.recv(chunk)
            if not data:
                break
            dst.sendall(data)
            counter[key] += len(data)
            if rate:
                # Sleep until the bytes sent so far fit the rate.
                ahead = counter[key] / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
    except OSError:
        pass
    finally:
        done.set()


def handle(client, args, log_lock):
    host, _, port = args.target.rpartition(":")
    try:
        upstream = socket.create_connection((host, int(port)))
    except OSError:
        client.close()
        return
    counter = {"down": 0, "up": 0}
    done = threading.Event()
    threading.Thread(target=relay, args=(client, upstream, 0, counter, "up", done), daemon=True).start()
    threading.Thread(target=relay, args=(upstream, client, args.rate, counter, "down", done), daemon=True).start()
    done.wait()
    for s in (client, upstream):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
    time.sleep(0.05)  # let the other relay thread finish its count
    with log_lock, open(args.log, "a") as f:
        f.write(json.dumps(counter) + "\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--target", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--rate", type=int, default=0)
    args = p.parse_args()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(f"{srv.getsockname()[1]}\n")
    os.rename(args.port_file + ".tmp", args.port_file)
    log_lock = threading.Lock()
    while True:
        client, _ = srv.accept()
        threading.Thread(target=handle, args=(client, args, log_lock), daemon=True).start()


if __name__ == "__main__":
    main()
