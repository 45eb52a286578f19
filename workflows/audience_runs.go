package workflows

// takeRuns is takeChanges for runs recorded since forwarding carries
// ordered runs: leading changes worth at most room record IDs, packed in
// order into signals of at most forwardChunkIDs IDs and forwardChunkBytes
// of ID text, whatever the mix of enters and leaves (consecutive changes of
// one op share a run). So a pass costs one signal per connector per chunk,
// not one per change of op. A malformed payload still goes whole, alone.
func (q *queue) takeRuns(room int64) []outMsg {
	var out []outMsg
	for len(q.items) > 0 && room > 0 {
		it := &q.items[0]
		if it.activate != nil || it.deactivate != nil {
			break
		}
		if it.raw != nil {
			if int64(it.units) > room && len(out) > 0 || len(out) >= maxForwardsPerPump {
				break
			}
			taken := q.pop()
			out = append(out, outMsg{raw: taken.raw, units: taken.units})
			room -= int64(taken.units)
			continue
		}
		ids := it.change.RecordIDs
		last := len(out) - 1
		if last < 0 || out[last].runs == nil || out[last].units >= forwardChunkIDs ||
			out[last].bytes+jsonLen(ids[0]) > forwardChunkBytes {
			if len(out) >= maxForwardsPerPump {
				break
			}
			out = append(out, outMsg{runs: []ChangeRun{}, changeID: it.change.ChangeID})
			last++
		}
		m := &out[last]
		n := int(min(room, int64(forwardChunkIDs-m.units), int64(len(ids))))
		for k, id := range ids[:n] {
			if m.bytes+jsonLen(id) > forwardChunkBytes && (k > 0 || m.units > 0) {
				n = k
				break
			}
			m.bytes += jsonLen(id)
		}
		if r := len(m.runs) - 1; r >= 0 && m.runs[r].Op == it.change.Op {
			m.runs[r].RecordIDs = append(m.runs[r].RecordIDs, ids[:n]...)
		} else {
			m.runs = append(m.runs, ChangeRun{Op: it.change.Op, RecordIDs: append([]string(nil), ids[:n]...)})
		}
		m.units += n
		room -= int64(n)
		if n == len(ids) {
			q.pop()
			continue
		}
		it.change.RecordIDs = ids[n:]
		q.ids -= n
		q.bytes -= it.bytes
		it.units -= n
		it.bytes = changeBytes(it.change)
		q.bytes += it.bytes
	}
	return out
}
