"""Python websockets echo server with permessage-deflate at its defaults
(server_max_window_bits 12, memLevel 5), for benches/deflate_rss.sh.
Usage: python websockets_echo.py PORT"""
import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def main():
    async with serve(echo, "127.0.0.1", int(sys.argv[1]), compression="deflate"):
        print("listening", flush=True)
        await asyncio.get_running_loop().create_future()


asyncio.run(main())
