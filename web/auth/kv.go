package auth

import (
	"maps"
	"sync"
)

// KV is the small key-value store users and tokens are kept in
// (storage.Store implements it over its index database).
type KV interface {
	// KVGet returns the value of key in bucket, or nil when there is none.
	KVGet(bucket, key string) ([]byte, error)
	// KVPut sets key in bucket to value, durably.
	KVPut(bucket, key string, value []byte) error
	// KVDelete removes key from bucket; a missing key is not an error.
	KVDelete(bucket, key string) error
	// KVList returns every key and value of bucket.
	KVList(bucket string) (map[string][]byte, error)
}

// The buckets this package uses.
const (
	BucketUsers  = "users"
	BucketTokens = "tokens"
	// BucketSessions holds the open sessions by the SHA-256 of their
	// token (never the token).
	BucketSessions = "sessions"
)

// MemKV is a KV in memory, for tests and for a daemon without a store.
type MemKV struct {
	mu sync.Mutex
	m  map[string]map[string][]byte
}

var _ KV = (*MemKV)(nil)

// KVGet implements KV.
func (m *MemKV) KVGet(bucket, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[bucket][key]
	if !ok {
		return nil, nil
	}
	return append([]byte(nil), v...), nil
}

// KVPut implements KV.
func (m *MemKV) KVPut(bucket, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]map[string][]byte{}
	}
	if m.m[bucket] == nil {
		m.m[bucket] = map[string][]byte{}
	}
	m.m[bucket][key] = append([]byte(nil), value...)
	return nil
}

// KVDelete implements KV.
func (m *MemKV) KVDelete(bucket, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m[bucket], key)
	return nil
}

// KVList implements KV.
func (m *MemKV) KVList(bucket string) (map[string][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.m[bucket]), nil
}
