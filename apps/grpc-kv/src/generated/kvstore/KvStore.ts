// Original file: proto/kvstore/v1/kvstore.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeleteRequest as _kvstore_DeleteRequest, DeleteRequest__Output as _kvstore_DeleteRequest__Output } from '../kvstore/DeleteRequest.js';
import type { DeleteResponse as _kvstore_DeleteResponse, DeleteResponse__Output as _kvstore_DeleteResponse__Output } from '../kvstore/DeleteResponse.js';
import type { GetAllRequest as _kvstore_GetAllRequest, GetAllRequest__Output as _kvstore_GetAllRequest__Output } from '../kvstore/GetAllRequest.js';
import type { GetAllResponse as _kvstore_GetAllResponse, GetAllResponse__Output as _kvstore_GetAllResponse__Output } from '../kvstore/GetAllResponse.js';
import type { GetManyRequest as _kvstore_GetManyRequest, GetManyRequest__Output as _kvstore_GetManyRequest__Output } from '../kvstore/GetManyRequest.js';
import type { GetManyResponse as _kvstore_GetManyResponse, GetManyResponse__Output as _kvstore_GetManyResponse__Output } from '../kvstore/GetManyResponse.js';
import type { GetRequest as _kvstore_GetRequest, GetRequest__Output as _kvstore_GetRequest__Output } from '../kvstore/GetRequest.js';
import type { GetResponse as _kvstore_GetResponse, GetResponse__Output as _kvstore_GetResponse__Output } from '../kvstore/GetResponse.js';
import type { PutRequest as _kvstore_PutRequest, PutRequest__Output as _kvstore_PutRequest__Output } from '../kvstore/PutRequest.js';
import type { PutResponse as _kvstore_PutResponse, PutResponse__Output as _kvstore_PutResponse__Output } from '../kvstore/PutResponse.js';
import type { TxnRequest as _kvstore_TxnRequest, TxnRequest__Output as _kvstore_TxnRequest__Output } from '../kvstore/TxnRequest.js';
import type { TxnResponse as _kvstore_TxnResponse, TxnResponse__Output as _kvstore_TxnResponse__Output } from '../kvstore/TxnResponse.js';
import type { WatchRequest as _kvstore_WatchRequest, WatchRequest__Output as _kvstore_WatchRequest__Output } from '../kvstore/WatchRequest.js';
import type { WatchResponse as _kvstore_WatchResponse, WatchResponse__Output as _kvstore_WatchResponse__Output } from '../kvstore/WatchResponse.js';

export interface KvStoreClient extends grpc.Client {
  Delete(argument: _kvstore_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _kvstore_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _kvstore_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _kvstore_DeleteRequest, callback: grpc.requestCallback<_kvstore_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _kvstore_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _kvstore_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _kvstore_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _kvstore_DeleteRequest, callback: grpc.requestCallback<_kvstore_DeleteResponse__Output>): grpc.ClientUnaryCall;
  
  Get(argument: _kvstore_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _kvstore_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _kvstore_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _kvstore_GetRequest, callback: grpc.requestCallback<_kvstore_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _kvstore_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _kvstore_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _kvstore_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _kvstore_GetRequest, callback: grpc.requestCallback<_kvstore_GetResponse__Output>): grpc.ClientUnaryCall;
  
  GetAll(argument: _kvstore_GetAllRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_GetAllResponse__Output>): grpc.ClientUnaryCall;
  GetAll(argument: _kvstore_GetAllRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_GetAllResponse__Output>): grpc.ClientUnaryCall;
  GetAll(argument: _kvstore_GetAllRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_GetAllResponse__Output>): grpc.ClientUnaryCall;
  GetAll(argument: _kvstore_GetAllRequest, callback: grpc.requestCallback<_kvstore_GetAllResponse__Output>): grpc.ClientUnaryCall;
  getAll(argument: _kvstore_GetAllRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_GetAllResponse__Output>): grpc.ClientUnaryCall;
  getAll(argument: _kvstore_GetAllRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_GetAllResponse__Output>): grpc.ClientUnaryCall;
  getAll(argument: _kvstore_GetAllRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_GetAllResponse__Output>): grpc.ClientUnaryCall;
  getAll(argument: _kvstore_GetAllRequest, callback: grpc.requestCallback<_kvstore_GetAllResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Reads up to 1000 keys from one consistent view: a transaction is wholly visible or not at all.
   */
  GetMany(argument: _kvstore_GetManyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_GetManyResponse__Output>): grpc.ClientUnaryCall;
  GetMany(argument: _kvstore_GetManyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_GetManyResponse__Output>): grpc.ClientUnaryCall;
  GetMany(argument: _kvstore_GetManyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_GetManyResponse__Output>): grpc.ClientUnaryCall;
  GetMany(argument: _kvstore_GetManyRequest, callback: grpc.requestCallback<_kvstore_GetManyResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Reads up to 1000 keys from one consistent view: a transaction is wholly visible or not at all.
   */
  getMany(argument: _kvstore_GetManyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_GetManyResponse__Output>): grpc.ClientUnaryCall;
  getMany(argument: _kvstore_GetManyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_GetManyResponse__Output>): grpc.ClientUnaryCall;
  getMany(argument: _kvstore_GetManyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_GetManyResponse__Output>): grpc.ClientUnaryCall;
  getMany(argument: _kvstore_GetManyRequest, callback: grpc.requestCallback<_kvstore_GetManyResponse__Output>): grpc.ClientUnaryCall;
  
  Put(argument: _kvstore_PutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _kvstore_PutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _kvstore_PutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _kvstore_PutRequest, callback: grpc.requestCallback<_kvstore_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _kvstore_PutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _kvstore_PutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _kvstore_PutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _kvstore_PutRequest, callback: grpc.requestCallback<_kvstore_PutResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Atomic multi-key write: if every compare holds when it is applied, all its puts and deletes become visible at
   * once with one version; otherwise nothing is written (FAILED_PRECONDITION). At most 128 operations and 128
   * compares, on distinct keys; the whole request is bounded by the server's message size limit.
   */
  Txn(argument: _kvstore_TxnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _kvstore_TxnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _kvstore_TxnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _kvstore_TxnRequest, callback: grpc.requestCallback<_kvstore_TxnResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Atomic multi-key write: if every compare holds when it is applied, all its puts and deletes become visible at
   * once with one version; otherwise nothing is written (FAILED_PRECONDITION). At most 128 operations and 128
   * compares, on distinct keys; the whole request is bounded by the server's message size limit.
   */
  txn(argument: _kvstore_TxnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _kvstore_TxnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _kvstore_TxnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _kvstore_TxnRequest, callback: grpc.requestCallback<_kvstore_TxnResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Streams changes to one key (or every key under a prefix) as they are applied, until the client cancels.
   * The server sends its response headers once the watch is registered: changes applied after that are delivered.
   */
  Watch(argument: _kvstore_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_WatchResponse__Output>;
  Watch(argument: _kvstore_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_WatchResponse__Output>;
  /**
   * Streams changes to one key (or every key under a prefix) as they are applied, until the client cancels.
   * The server sends its response headers once the watch is registered: changes applied after that are delivered.
   */
  watch(argument: _kvstore_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_WatchResponse__Output>;
  watch(argument: _kvstore_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_WatchResponse__Output>;
  
}

export interface KvStoreHandlers extends grpc.UntypedServiceImplementation {
  Delete: grpc.handleUnaryCall<_kvstore_DeleteRequest__Output, _kvstore_DeleteResponse>;
  
  Get: grpc.handleUnaryCall<_kvstore_GetRequest__Output, _kvstore_GetResponse>;
  
  GetAll: grpc.handleUnaryCall<_kvstore_GetAllRequest__Output, _kvstore_GetAllResponse>;
  
  /**
   * Reads up to 1000 keys from one consistent view: a transaction is wholly visible or not at all.
   */
  GetMany: grpc.handleUnaryCall<_kvstore_GetManyRequest__Output, _kvstore_GetManyResponse>;
  
  Put: grpc.handleUnaryCall<_kvstore_PutRequest__Output, _kvstore_PutResponse>;
  
  /**
   * Atomic multi-key write: if every compare holds when it is applied, all its puts and deletes become visible at
   * once with one version; otherwise nothing is written (FAILED_PRECONDITION). At most 128 operations and 128
   * compares, on distinct keys; the whole request is bounded by the server's message size limit.
   */
  Txn: grpc.handleUnaryCall<_kvstore_TxnRequest__Output, _kvstore_TxnResponse>;
  
  /**
   * Streams changes to one key (or every key under a prefix) as they are applied, until the client cancels.
   * The server sends its response headers once the watch is registered: changes applied after that are delivered.
   */
  Watch: grpc.handleServerStreamingCall<_kvstore_WatchRequest__Output, _kvstore_WatchResponse>;
  
}

export interface KvStoreDefinition extends grpc.ServiceDefinition {
  Delete: MethodDefinition<_kvstore_DeleteRequest, _kvstore_DeleteResponse, _kvstore_DeleteRequest__Output, _kvstore_DeleteResponse__Output>
  Get: MethodDefinition<_kvstore_GetRequest, _kvstore_GetResponse, _kvstore_GetRequest__Output, _kvstore_GetResponse__Output>
  GetAll: MethodDefinition<_kvstore_GetAllRequest, _kvstore_GetAllResponse, _kvstore_GetAllRequest__Output, _kvstore_GetAllResponse__Output>
  GetMany: MethodDefinition<_kvstore_GetManyRequest, _kvstore_GetManyResponse, _kvstore_GetManyRequest__Output, _kvstore_GetManyResponse__Output>
  Put: MethodDefinition<_kvstore_PutRequest, _kvstore_PutResponse, _kvstore_PutRequest__Output, _kvstore_PutResponse__Output>
  Txn: MethodDefinition<_kvstore_TxnRequest, _kvstore_TxnResponse, _kvstore_TxnRequest__Output, _kvstore_TxnResponse__Output>
  Watch: MethodDefinition<_kvstore_WatchRequest, _kvstore_WatchResponse, _kvstore_WatchRequest__Output, _kvstore_WatchResponse__Output>
}
