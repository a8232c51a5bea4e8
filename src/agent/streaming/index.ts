/**
 * @module agent/streaming — Kubernetes streaming protocols for the node agent: a SPDY/3.1 session
 * (server and client roles), exec/attach over WebSocket channels or SPDY, port-forward over SPDY,
 * WebSocket-tunnelled SPDY or WebSocket channels, the SPDY client of the runtime's streaming
 * server, the bridge between both sides, and the CRI container log reader.
 */
export { SpdySession, SpdyStream } from './spdy.ts';
export type { SpdyRole, SpdySessionOptions } from './spdy.ts';
export { HeaderCodec, FrameParser, SPDY3_DICTIONARY, decodeHeaderBlock, encodeHeaderBlock } from './spdy-frames.ts';
export type { Frame, SpdyHeaders } from './spdy-frames.ts';
export { SPDY_PROTOCOLS, WS_PROTOCOLS, JsonObjectSplitter, acceptRemoteCommand, closeWs, statusJson, streamOptionsFromQuery } from './remotecommand.ts';
export type { CommandResult, RemoteCommandSession, StreamOptions, TerminalSize } from './remotecommand.ts';
export { SPDY_TUNNEL_PROTOCOL, acceptPortForward, pipeBoth, portsFromQuery } from './portforward.ts';
export type { PortForwardBackend, PortForwardMode } from './portforward.ts';
export { dialPortForward, dialRemoteCommand, dialSpdy, parseStatusResult, readAll } from './runtime-client.ts';
export type { PortForwardClient, RuntimeCommand } from './runtime-client.ts';
export { bridgeCommand } from './bridge.ts';
export { parseCriLogLine, parseTime, streamContainerLog } from './logs.ts';
export type { CriLogEntry, FollowOptions, LogOptions } from './logs.ts';
export { acceptSpdy, acceptWebSocket, headerValues, rejectUpgrade, statusBody, upgradeKind } from './upgrade.ts';
export type { StatusLike } from './upgrade.ts';
