"""Python websockets echo server for the 10,000-connection benchmark
(benches/scale.sh).

    python websockets_echo.py 127.0.0.1:9014

Echoes every message. permessage-deflate is on (the library's default): it
is agreed only with clients that offer it. Keepalive pings are off, as on
the other servers of the benchmark (its clients stay idle and do not answer
pings), and so is the message size limit.
"""

import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def main():
    host, port = (sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:9014").rsplit(":", 1)
    async with serve(echo, host, int(port), ping_interval=None, max_size=None,
                     compression="deflate", backlog=1024):
        await asyncio.get_running_loop().create_future()


asyncio.run(main())
