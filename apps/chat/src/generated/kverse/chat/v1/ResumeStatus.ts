// Original file: proto/chat/v1/chat.proto

export const ResumeStatus = {
  /**
   * A plain join: no replay was asked for.
   */
  RESUME_STATUS_UNSPECIFIED: 'RESUME_STATUS_UNSPECIFIED',
  /**
   * Every message after the requested offset follows, then live messages: nothing is missing.
   */
  RESUME_STATUS_COMPLETE: 'RESUME_STATUS_COMPLETE',
  /**
   * The server no longer keeps some of the missed messages (history is bounded, or the epoch changed):
   * delivery restarts at first_offset, and the messages before it cannot be delivered.
   */
  RESUME_STATUS_GAP: 'RESUME_STATUS_GAP',
} as const;

export type ResumeStatus =
  /**
   * A plain join: no replay was asked for.
   */
  | 'RESUME_STATUS_UNSPECIFIED'
  | 0
  /**
   * Every message after the requested offset follows, then live messages: nothing is missing.
   */
  | 'RESUME_STATUS_COMPLETE'
  | 1
  /**
   * The server no longer keeps some of the missed messages (history is bounded, or the epoch changed):
   * delivery restarts at first_offset, and the messages before it cannot be delivered.
   */
  | 'RESUME_STATUS_GAP'
  | 2

export type ResumeStatus__Output = typeof ResumeStatus[keyof typeof ResumeStatus]
