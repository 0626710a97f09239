// Original file: proto/chat/v1/chat.proto

import type { Long } from '@grpc/proto-loader';

export interface Ping {
  /**
   * Client clock in milliseconds since the Unix epoch, echoed back to measure round trips.
   */
  'clientTimeMs'?: (number | string | Long);
}

export interface Ping__Output {
  /**
   * Client clock in milliseconds since the Unix epoch, echoed back to measure round trips.
   */
  'clientTimeMs': (number);
}
