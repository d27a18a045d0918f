// Node ws echo server for the 10,000-connection benchmark (benches/scale.sh).
//
//   NODE_PATH=DIR/node_modules node ws_echo.js 127.0.0.1:9013
//
// Echoes every message. permessage-deflate is on (ws's defaults otherwise):
// it is agreed only with clients that offer it.
"use strict";
const { WebSocketServer } = require("ws");

const [host, port] = (process.argv[2] || "127.0.0.1:9013").split(":");
const wss = new WebSocketServer({ host, port: Number(port), perMessageDeflate: true });
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on("error", () => {});
});
