package audiencesync

import (
	"encoding/binary"
	"errors"
)

// Record IDs carried through continue-as-new are packed as zigzag varints
// of the difference to the previous ID, in buffer order: IDs that arrive
// close together (a backfill, a sorted export) take one to three bytes
// instead of about twenty in a JSON array. The worst case, arbitrary int64
// IDs in arbitrary order, is maxPackedIDBytes an ID, which is what the
// bounds in bounds.go are computed from.
const maxPackedIDBytes = binary.MaxVarintLen64

// packIDs encodes ids in order.
func packIDs(ids []int64) []byte {
	out := make([]byte, 0, len(ids)*2)
	prev := int64(0)
	for _, id := range ids {
		out = binary.AppendVarint(out, id-prev)
		prev = id
	}
	return out
}

// unpackIDs decodes exactly n IDs from packIDs' output.
func unpackIDs(b []byte, n int) ([]int64, error) {
	out := make([]int64, 0, n)
	prev := int64(0)
	for len(b) > 0 {
		d, k := binary.Varint(b)
		if k <= 0 {
			return nil, errors.New("truncated varint")
		}
		prev += d
		out = append(out, prev)
		b = b[k:]
	}
	if len(out) != n {
		return nil, errors.New("ID count does not match")
	}
	return out, nil
}

// packBits sets bit i when set(i), for n entries.
func packBits(n int, set func(i int) bool) []byte {
	out := make([]byte, (n+7)/8)
	for i := 0; i < n; i++ {
		if set(i) {
			out[i/8] |= 1 << (i % 8)
		}
	}
	return out
}

func bitAt(b []byte, i int) bool { return b[i/8]&(1<<(i%8)) != 0 }
