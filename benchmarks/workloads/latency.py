"""A TCP proxy that adds network latency, to measure transfers as against a remote store.

    python -m benchmarks.workloads.latency LISTEN_PORT TARGET_HOST:TARGET_PORT RTT_MS

Every chunk is forwarded half the round-trip time after it arrived, in each direction, so one
request/response turn costs one extra round trip, as with an object store in another building
or cloud region. Order within a connection is kept; connections are independent.
"""

from __future__ import annotations

import asyncio
import sys


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    async def forward() -> None:
        while True:
            due, data = await queue.get()
            await asyncio.sleep(max(0.0, due - loop.time()))
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    sender = asyncio.create_task(forward())
    try:
        while True:
            data = await reader.read(1 << 16)
            await queue.put((loop.time() + delay, data))
            if not data:
                break
        await sender
    except (ConnectionError, asyncio.CancelledError):
        sender.cancel()
        writer.close()


async def serve(listen: int, host: str, port: int, delay: float) -> None:
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(host, port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pipe(client_reader, server_writer, delay), pipe(server_reader, client_writer, delay),
            return_exceptions=True,
        )  # fmt: skip

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def start(target: str, rtt_ms: float):
    """Start the proxy in a subprocess; returns (process, "127.0.0.1:<port>")."""
    import subprocess
    from pathlib import Path

    from benchmarks.workloads.server import free_ports

    port = free_ports(1)[0]
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.workloads.latency", str(port), target, str(rtt_ms)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    if process.stdout.readline().strip() != "ready":
        process.kill()
        raise RuntimeError("the latency proxy did not start")
    return process, f"127.0.0.1:{port}"


if __name__ == "__main__":
    listen_port, target, rtt = sys.argv[1:4]
    target_host, target_port = target.rsplit(":", 1)
    asyncio.run(serve(int(listen_port), target_host, int(target_port), float(rtt) / 2000))
