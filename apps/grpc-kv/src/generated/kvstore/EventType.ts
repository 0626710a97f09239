// Original file: proto/kvstore/v1/kvstore.proto

export const EventType = {
  EVENT_TYPE_UNSPECIFIED: 'EVENT_TYPE_UNSPECIFIED',
  EVENT_TYPE_PUT: 'EVENT_TYPE_PUT',
  EVENT_TYPE_DELETE: 'EVENT_TYPE_DELETE',
} as const;

export type EventType =
  | 'EVENT_TYPE_UNSPECIFIED'
  | 0
  | 'EVENT_TYPE_PUT'
  | 1
  | 'EVENT_TYPE_DELETE'
  | 2

export type EventType__Output = typeof EventType[keyof typeof EventType]
