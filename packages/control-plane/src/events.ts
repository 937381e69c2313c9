import { EventEmitter } from 'node:events';

/**
 * The control plane's change bus: services announce what changed after their transaction commits;
 * the provisioner (snapshot compile + push) listens. Payloads are control plane ids.
 */
export interface PlatformEvents {
  /** A gateway's entities, configuration or hostnames changed: recompile and push its snapshot. */
  gatewayChanged(controlPlaneId: string): void;
  /** A control plane (or its configuration) is gone: data planes must stop serving it. */
  gatewayRemoved(controlPlaneId: string): void;
  on(event: 'gatewayChanged' | 'gatewayRemoved', listener: (controlPlaneId: string) => void): void;
}

export function createEvents(): PlatformEvents {
  const emitter = new EventEmitter();
  return {
    gatewayChanged: (id) => void emitter.emit('gatewayChanged', id),
    gatewayRemoved: (id) => void emitter.emit('gatewayRemoved', id),
    on: (event, listener) => void emitter.on(event, listener),
  };
}
