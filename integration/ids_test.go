package integration_test

import (
	"fmt"
	"slices"
	"strconv"
)

func itoa(i int) string { return strconv.Itoa(i) }

// idRange is from..to without the IDs in skip.
func idRange(from, to int64, skip ...int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		if !slices.Contains(skip, i) {
			out = append(out, i)
		}
	}
	return out
}

func equalIDs(got, want []int64) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

func fmtIDs(ids []int64) string {
	if len(ids) > 20 {
		return fmt.Sprintf("%v… (%d)", ids[:20], len(ids))
	}
	return fmt.Sprint(ids)
}

// strIDs is from..to as record ID strings.
func strIDs(from, to int64) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, strconv.FormatInt(i, 10))
	}
	return out
}
