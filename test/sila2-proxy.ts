/**
 * A fault-injecting gRPC proxy between the SiLA 2 adapter and the reference station, on loopback:
 * it serves the station's features (SiLAService, LockController, CancelController, ReactionStation)
 * and passes every call on to the station, unary and server-streaming alike, metadata and errors
 * included. Faults are switched on per test: the next RunExperiment held back (a hung order), or a
 * RunExperiment_Result rewritten (a station reporting another experiment id or another value: the
 * SiLA 2 counterpart of an unknown-id or conflicting report). The HTTP tests use a proxy like it
 * (test/lab-faults.test.ts); gRPC needs one that speaks its framing, hence this.
 */
import * as grpc from '@grpc/grpc-js';
import { SERVICES } from '../src/lab-adapters/sila2/sila-protocol.js';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ProxyCall {
  at: number;
  method: string;
  experimentId?: string;
  note?: 'held';
}

export class Sila2FaultProxy {
  /** The next RunExperiment waits this long before it is passed on (then once only). */
  holdNextRunMs = 0;
  /** Rewrites a RunExperiment_Result on its way back (undefined: passed as it is). */
  rewriteResult?: (result: Msg) => Msg;
  readonly calls: ProxyCall[] = [];
  address = '';
  private readonly server = new grpc.Server();
  private readonly clients: grpc.Client[] = [];
  private closed = false;

  constructor(private readonly station: string) {}

  async start(): Promise<void> {
    for (const ctor of [SERVICES.silaService(), SERVICES.lockController(), SERVICES.cancelController(), SERVICES.reactionStation()]) {
      const client = new ctor(this.station, grpc.credentials.createInsecure());
      this.clients.push(client);
      const handlers: grpc.UntypedServiceImplementation = {};
      for (const [name, method] of Object.entries(ctor.service)) {
        handlers[name] = method.responseStream ? this.streaming(client, name, method) : this.unary(client, name, method);
      }
      this.server.addService(ctor.service, handlers);
    }
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    this.address = `127.0.0.1:${port}`;
  }

  private unary(client: grpc.Client, name: string, method: grpc.MethodDefinition<unknown, unknown>): grpc.handleUnaryCall<Msg, Msg> {
    return (call, callback) =>
      void (async () => {
        const experimentId = typeof call.request?.ExperimentId?.value === 'string' ? (call.request.ExperimentId.value as string) : undefined;
        this.calls.push({ at: Date.now(), method: name, ...(experimentId ? { experimentId } : {}) });
        if (name === 'RunExperiment' && this.holdNextRunMs > 0) {
          const hold = this.holdNextRunMs;
          this.holdNextRunMs = 0;
          this.calls.push({ at: Date.now(), method: name, ...(experimentId ? { experimentId } : {}), note: 'held' });
          await new Promise((resolve) => setTimeout(resolve, hold));
        }
        // a call held past the end of the test finds the proxy closed: answered as an outage
        if (this.closed) return callback({ code: grpc.status.UNAVAILABLE, details: 'the proxy is closed' });
        client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, call.request, call.metadata, (error, response) => {
          if (error) return callback(error);
          callback(null, name === 'RunExperiment_Result' && this.rewriteResult ? this.rewriteResult(response as Msg) : (response as Msg));
        });
      })();
  }

  private streaming(client: grpc.Client, name: string, method: grpc.MethodDefinition<unknown, unknown>): grpc.handleServerStreamingCall<Msg, Msg> {
    return (call) => {
      this.calls.push({ at: Date.now(), method: name });
      if (this.closed) return void call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'the proxy is closed' });
      const upstream = client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, call.request, call.metadata);
      upstream.on('data', (message: Msg) => call.write(message));
      upstream.on('end', () => call.end());
      upstream.on('error', (error: grpc.ServiceError) => {
        if (error.code !== grpc.status.CANCELLED) call.emit('error', error); // grpc-js: how a server stream ends with a status
      });
      call.on('cancelled', () => upstream.cancel());
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const client of this.clients) client.close();
    this.server.forceShutdown();
  }
}
