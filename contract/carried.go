package contract

// ReconcileCarried is a reconcile in progress across continue-as-new
// (which happens with no batch or page read in flight). Its ID lists are
// packed like the pending buffer (compact.go) and bounded: two snapshot
// chunks, two pages, and touched contacts within the hard cap.
type ReconcileCarried struct {
	Status    ReconcileStatus `json:"status"`
	Cursor    string          `json:"cursor,omitempty"`
	Live      PackedIDs       `json:"live"`
	Snap      PackedIDs       `json:"snap"`
	Touched   PackedIDs       `json:"touched"`
	SnapLast  int64           `json:"snapLast,omitempty"`
	LiveLast  int64           `json:"liveLast,omitempty"`
	Pos       int64           `json:"pos,omitempty"`
	NextChunk int             `json:"nextChunk,omitempty"`
}

// PackedIDs are IDs in order, as zigzag-delta varints (base64 in JSON).
type PackedIDs struct {
	Count  int    `json:"n,omitempty"`
	Packed []byte `json:"p,omitempty"`
}
