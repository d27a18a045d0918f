// Node ws echo server with permessage-deflate at its defaults (the load
// generator of benches/deflate_rss.sh measures its memory per connection).
// Usage: node ws_echo.js PORT (with `ws` resolvable, e.g. NODE_PATH).
const { WebSocketServer } = require('ws');
const port = Number(process.argv[2]);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: true });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on('listening', () => console.log('listening'));
