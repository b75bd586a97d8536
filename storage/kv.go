package storage

import (
	"fmt"
	"regexp"

	bolt "go.etcd.io/bbolt"
)

// bucketKV holds the small key-value buckets of the layers above the
// store (users, API tokens, settings), one nested bucket per name, in the
// index database.
var bucketKV = []byte("kv")

// kvBucketRE is what a KV bucket may be named.
var kvBucketRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// MaxKVValue bounds one KV value: these are settings and user records,
// not audio.
const MaxKVValue = 1 << 20

func checkKV(bucket, key string) error {
	if !kvBucketRE.MatchString(bucket) {
		return fmt.Errorf("%w: kv bucket %q (want 1–32 of a-z, 0-9, -)", ErrInvalid, bucket)
	}
	if key == "" || len(key) > 256 {
		return fmt.Errorf("%w: kv key of %d bytes in %q (want 1–256)", ErrInvalid, len(key), bucket)
	}
	return nil
}

// KVGet returns the value of key in bucket, or nil when there is none.
func (s *Store) KVGet(bucket, key string) ([]byte, error) {
	if err := checkKV(bucket, key); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	var out []byte
	err := s.index.View(func(tx *bolt.Tx) error {
		if b := kvBucket(tx, bucket); b != nil {
			if v := b.Get([]byte(key)); v != nil {
				out = append([]byte{}, v...) // copied out of the transaction
			}
		}
		return nil
	})
	return out, err
}

// kvBucket returns the named KV bucket in tx, or nil.
func kvBucket(tx *bolt.Tx, bucket string) *bolt.Bucket {
	kv := tx.Bucket(bucketKV)
	if kv == nil {
		return nil
	}
	return kv.Bucket([]byte(bucket))
}

// KVPut sets key in bucket to value in one durable transaction.
func (s *Store) KVPut(bucket, key string, value []byte) error {
	if err := checkKV(bucket, key); err != nil {
		return err
	}
	if len(value) > MaxKVValue {
		return fmt.Errorf("%w: kv value of %d bytes for %s/%s (at most %d)", ErrInvalid, len(value), bucket, key, MaxKVValue)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	err := s.index.Update(func(tx *bolt.Tx) error {
		kv, err := tx.CreateBucketIfNotExists(bucketKV)
		if err != nil {
			return err
		}
		b, err := kv.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), value)
	})
	if err != nil {
		return fmt.Errorf("storage: kv %s/%s in %s: %w", bucket, key, s.path(indexName), err)
	}
	return nil
}

// KVDelete removes key from bucket; a missing key is not an error.
func (s *Store) KVDelete(bucket, key string) error {
	if err := checkKV(bucket, key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	err := s.index.Update(func(tx *bolt.Tx) error {
		if b := kvBucket(tx, bucket); b != nil {
			return b.Delete([]byte(key))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: kv %s/%s in %s: %w", bucket, key, s.path(indexName), err)
	}
	return nil
}

// KVList returns every key and value of bucket (empty when there is none).
func (s *Store) KVList(bucket string) (map[string][]byte, error) {
	if err := checkKV(bucket, "-"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	out := map[string][]byte{}
	err := s.index.View(func(tx *bolt.Tx) error {
		b := kvBucket(tx, bucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if v != nil {
				out[string(k)] = append([]byte{}, v...)
			}
			return nil
		})
	})
	return out, err
}
