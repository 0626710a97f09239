// Original file: proto/chat/v1/chat.proto

import type { ResumeStatus as _kverse_chat_v1_ResumeStatus, ResumeStatus__Output as _kverse_chat_v1_ResumeStatus__Output } from '../../../kverse/chat/v1/ResumeStatus.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Sent to the joining connection, with its request_id. The room's other members learn of the join through
 * Presence.joined.
 */
export interface Joined {
  'room'?: (string);
  'user'?: (string);
  /**
   * The room's current epoch and the offset of its latest message (0 when the room has none).
   */
  'epoch'?: (string);
  'headOffset'?: (number | string | Long);
  'resume'?: (_kverse_chat_v1_ResumeStatus);
  /**
   * With RESUME_STATUS_GAP: the first offset that will be delivered; messages before it are lost to this client.
   */
  'firstOffset'?: (number | string | Long);
}

/**
 * Sent to the joining connection, with its request_id. The room's other members learn of the join through
 * Presence.joined.
 */
export interface Joined__Output {
  'room': (string);
  'user': (string);
  /**
   * The room's current epoch and the offset of its latest message (0 when the room has none).
   */
  'epoch': (string);
  'headOffset': (number);
  'resume': (_kverse_chat_v1_ResumeStatus__Output);
  /**
   * With RESUME_STATUS_GAP: the first offset that will be delivered; messages before it are lost to this client.
   */
  'firstOffset': (number);
}
