import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Compare as _kvstore_Compare, Compare__Output as _kvstore_Compare__Output } from './kvstore/Compare.js';
import type { DeleteRequest as _kvstore_DeleteRequest, DeleteRequest__Output as _kvstore_DeleteRequest__Output } from './kvstore/DeleteRequest.js';
import type { DeleteResponse as _kvstore_DeleteResponse, DeleteResponse__Output as _kvstore_DeleteResponse__Output } from './kvstore/DeleteResponse.js';
import type { GetAllRequest as _kvstore_GetAllRequest, GetAllRequest__Output as _kvstore_GetAllRequest__Output } from './kvstore/GetAllRequest.js';
import type { GetAllResponse as _kvstore_GetAllResponse, GetAllResponse__Output as _kvstore_GetAllResponse__Output } from './kvstore/GetAllResponse.js';
import type { GetManyEntry as _kvstore_GetManyEntry, GetManyEntry__Output as _kvstore_GetManyEntry__Output } from './kvstore/GetManyEntry.js';
import type { GetManyRequest as _kvstore_GetManyRequest, GetManyRequest__Output as _kvstore_GetManyRequest__Output } from './kvstore/GetManyRequest.js';
import type { GetManyResponse as _kvstore_GetManyResponse, GetManyResponse__Output as _kvstore_GetManyResponse__Output } from './kvstore/GetManyResponse.js';
import type { GetRequest as _kvstore_GetRequest, GetRequest__Output as _kvstore_GetRequest__Output } from './kvstore/GetRequest.js';
import type { GetResponse as _kvstore_GetResponse, GetResponse__Output as _kvstore_GetResponse__Output } from './kvstore/GetResponse.js';
import type { KeyValue as _kvstore_KeyValue, KeyValue__Output as _kvstore_KeyValue__Output } from './kvstore/KeyValue.js';
import type { KvStoreClient as _kvstore_KvStoreClient, KvStoreDefinition as _kvstore_KvStoreDefinition } from './kvstore/KvStore.js';
import type { PutRequest as _kvstore_PutRequest, PutRequest__Output as _kvstore_PutRequest__Output } from './kvstore/PutRequest.js';
import type { PutResponse as _kvstore_PutResponse, PutResponse__Output as _kvstore_PutResponse__Output } from './kvstore/PutResponse.js';
import type { TxnDelete as _kvstore_TxnDelete, TxnDelete__Output as _kvstore_TxnDelete__Output } from './kvstore/TxnDelete.js';
import type { TxnOp as _kvstore_TxnOp, TxnOp__Output as _kvstore_TxnOp__Output } from './kvstore/TxnOp.js';
import type { TxnPut as _kvstore_TxnPut, TxnPut__Output as _kvstore_TxnPut__Output } from './kvstore/TxnPut.js';
import type { TxnRequest as _kvstore_TxnRequest, TxnRequest__Output as _kvstore_TxnRequest__Output } from './kvstore/TxnRequest.js';
import type { TxnResponse as _kvstore_TxnResponse, TxnResponse__Output as _kvstore_TxnResponse__Output } from './kvstore/TxnResponse.js';
import type { WatchRequest as _kvstore_WatchRequest, WatchRequest__Output as _kvstore_WatchRequest__Output } from './kvstore/WatchRequest.js';
import type { WatchResponse as _kvstore_WatchResponse, WatchResponse__Output as _kvstore_WatchResponse__Output } from './kvstore/WatchResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  kvstore: {
    Compare: MessageTypeDefinition<_kvstore_Compare, _kvstore_Compare__Output>
    DeleteRequest: MessageTypeDefinition<_kvstore_DeleteRequest, _kvstore_DeleteRequest__Output>
    DeleteResponse: MessageTypeDefinition<_kvstore_DeleteResponse, _kvstore_DeleteResponse__Output>
    EventType: EnumTypeDefinition
    GetAllRequest: MessageTypeDefinition<_kvstore_GetAllRequest, _kvstore_GetAllRequest__Output>
    GetAllResponse: MessageTypeDefinition<_kvstore_GetAllResponse, _kvstore_GetAllResponse__Output>
    GetManyEntry: MessageTypeDefinition<_kvstore_GetManyEntry, _kvstore_GetManyEntry__Output>
    GetManyRequest: MessageTypeDefinition<_kvstore_GetManyRequest, _kvstore_GetManyRequest__Output>
    GetManyResponse: MessageTypeDefinition<_kvstore_GetManyResponse, _kvstore_GetManyResponse__Output>
    GetRequest: MessageTypeDefinition<_kvstore_GetRequest, _kvstore_GetRequest__Output>
    GetResponse: MessageTypeDefinition<_kvstore_GetResponse, _kvstore_GetResponse__Output>
    KeyValue: MessageTypeDefinition<_kvstore_KeyValue, _kvstore_KeyValue__Output>
    KvStore: SubtypeConstructor<typeof grpc.Client, _kvstore_KvStoreClient> & { service: _kvstore_KvStoreDefinition }
    PutRequest: MessageTypeDefinition<_kvstore_PutRequest, _kvstore_PutRequest__Output>
    PutResponse: MessageTypeDefinition<_kvstore_PutResponse, _kvstore_PutResponse__Output>
    TxnDelete: MessageTypeDefinition<_kvstore_TxnDelete, _kvstore_TxnDelete__Output>
    TxnOp: MessageTypeDefinition<_kvstore_TxnOp, _kvstore_TxnOp__Output>
    TxnPut: MessageTypeDefinition<_kvstore_TxnPut, _kvstore_TxnPut__Output>
    TxnRequest: MessageTypeDefinition<_kvstore_TxnRequest, _kvstore_TxnRequest__Output>
    TxnResponse: MessageTypeDefinition<_kvstore_TxnResponse, _kvstore_TxnResponse__Output>
    WatchRequest: MessageTypeDefinition<_kvstore_WatchRequest, _kvstore_WatchRequest__Output>
    WatchResponse: MessageTypeDefinition<_kvstore_WatchResponse, _kvstore_WatchResponse__Output>
  }
}

