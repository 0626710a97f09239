import protobuf from 'protobufjs';

// The part of opentelemetry/proto/collector/trace/v1 (and the messages it uses) a test receiver reads; field numbers
// are those of the OTLP specification. Fields not listed are skipped by the decoder.
const SCHEMA = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  repeated Link links = 13;
  Status status = 15;
}
message Link { bytes trace_id = 1; bytes span_id = 2; repeated KeyValue attributes = 4; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
`;

const request = protobuf.parse(SCHEMA, { keepCase: false }).root.lookupType('otlp.ExportTraceServiceRequest');

/**
 * Decodes a protobuf `ExportTraceServiceRequest` into the shape of its OTLP/JSON encoding (ids as hex strings, 64-bit
 * integers as decimal strings), so one reader serves both encodings.
 */
export function decodeTraceRequest(body: Uint8Array): unknown {
  return request.toObject(request.decode(body), { longs: String, bytes: String, defaults: false, oneofs: false });
}
