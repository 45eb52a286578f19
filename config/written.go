package config

import (
	"errors"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// written is the set of fields of accounts and connectors the file gives a
// value, by path ("connectors[0].maxBatchSize"), so that an explicit 0 is
// checked like any value written while a field left out (or null) gets
// its default.
type written map[string]bool

func (w written) has(section string, i int, field string) bool {
	return w[fmt.Sprintf("%s[%d].%s", section, i, field)]
}

// fieldValue is one value the file writes for a field of an account
// (budget fields as "budget.per") or a connector.
type fieldValue struct {
	section string // accounts or connectors
	index   int
	name    string
	line    int        // of the field's key
	node    *yaml.Node // not null, not an alias
}

func (v fieldValue) path() string { return fmt.Sprintf("%s[%d].%s", v.section, v.index, v.name) }

type fieldValues []fieldValue

func (vs fieldValues) set() written {
	w := written{}
	for _, v := range vs {
		w[v.path()] = true
	}
	return w
}

// writtenFields lists, in file order, the fields written for each account
// and connector, following aliases and merge keys as decoding does.
func writtenFields(root *yaml.Node) fieldValues {
	var out fieldValues
	eachField(root, func(section string, _ int, list *yaml.Node) {
		if section != "accounts" && section != "connectors" {
			return
		}
		if list.Kind != yaml.SequenceNode {
			return
		}
		for i, el := range list.Content {
			eachField(el, func(name string, line int, v *yaml.Node) {
				out = append(out, fieldValue{section, i, name, line, v})
				if section == "accounts" && name == "budget" {
					eachField(v, func(name string, line int, v *yaml.Node) {
						out = append(out, fieldValue{section, i, "budget." + name, line, v})
					})
				}
			})
		}
	})
	return out
}

// eachField calls fn for each key of mapping m that has a non-null value:
// the keys written in m, then those its merge key (<<) brings that m does
// not write, as the decoder reads them. Each mapping is read once, so
// neither a merge cycle nor repeated merges can make this loop or blow up.
func eachField(m *yaml.Node, fn func(key string, line int, v *yaml.Node)) {
	seen := map[string]bool{}
	read := map[*yaml.Node]bool{}
	var walk func(m *yaml.Node)
	walk = func(m *yaml.Node) {
		m = resolve(m)
		if m == nil || m.Kind != yaml.MappingNode || read[m] {
			return
		}
		read[m] = true
		var merge *yaml.Node // the decoder uses the last one
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := resolve(m.Content[i]), resolve(m.Content[i+1])
			if k == nil || k.Kind != yaml.ScalarNode {
				continue
			}
			if k.Value == "<<" && k.ShortTag() == "!!merge" {
				merge = v
				continue
			}
			if seen[k.Value] {
				continue
			}
			seen[k.Value] = true // a null written here still hides a merged value
			if v != nil && v.ShortTag() != "!!null" {
				fn(k.Value, m.Content[i].Line, v)
			}
		}
		if merge != nil && merge.Kind == yaml.SequenceNode {
			for _, e := range merge.Content {
				walk(e)
			}
		} else {
			walk(merge)
		}
	}
	walk(m)
}

// resolve unwraps a document and follows an alias; nil when neither leads
// to a node.
func resolve(n *yaml.Node) *yaml.Node {
	switch {
	case n == nil:
		return nil
	case n.Kind == yaml.AliasNode:
		return resolve(n.Alias)
	case n.Kind == yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return resolve(n.Content[0])
	}
	return n
}

// checkDurations reports every duration field whose value is not one,
// naming the field and its line.
func checkDurations(vs fieldValues) error {
	var errs []error
	for _, v := range vs {
		switch v.section + "." + v.name {
		case "accounts.timeout", "accounts.budget.per", "connectors.flushInterval":
		default:
			continue
		}
		var d time.Duration
		if v.node.Decode(&d) == nil {
			continue
		}
		what := "a list"
		switch v.node.Kind {
		case yaml.ScalarNode:
			what = fmt.Sprintf("%.40q", v.node.Value)
		case yaml.MappingNode:
			what = "a mapping"
		}
		errs = append(errs, fmt.Errorf("line %d: %s: %s is not a duration (use a unit, e.g. 10s)", v.line, v.path(), what))
	}
	return errors.Join(errs...)
}
