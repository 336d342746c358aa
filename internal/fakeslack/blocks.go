package fakeslack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack's Block Kit limits (https://docs.slack.dev/reference/block-kit).
const (
	maxBlocks          = 50
	maxSectionText     = 3000
	maxSectionFields   = 10
	maxFieldText       = 2000
	maxHeaderText      = 150
	maxActionsElements = 25
	maxContextElements = 10
	maxButtonText      = 75
	maxButtonValue     = 2000
	maxButtonURL       = 3000
	maxActionID        = 255
	maxBlockID         = 255
	maxMessageText     = 40000
)

// parseBlocks checks a blocks field the way chat.postMessage does and returns
// the blocks to keep: as posted, with a generated block_id on each block that
// had none (Slack generates one, and a click reports it). An empty array gives
// nil. problems, when not empty, is why Slack would answer invalid_blocks.
func parseBlocks(field string, lenient bool) (json.RawMessage, []string) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(field), &raw); err != nil {
		return nil, []string{fmt.Sprintf("blocks must be a JSON array: %v [json-pointer:/blocks]", err)}
	}
	if len(raw) > maxBlocks {
		return nil, []string{fmt.Sprintf("no more than %d items allowed, got %d [json-pointer:/blocks]", maxBlocks, len(raw))}
	}
	if len(raw) == 0 {
		return nil, nil
	}
	// The bot's own client will decode these blocks again when a user clicks:
	// they must pass slack-go's strict decoder.
	var typed slack.Blocks
	if err := json.Unmarshal([]byte(field), &typed); err != nil {
		return nil, []string{fmt.Sprintf("blocks do not decode: %v [json-pointer:/blocks]", err)}
	}

	var problems []string
	ids := map[string]bool{}
	blocks := make([]map[string]any, len(raw))
	for i, r := range raw {
		ptr := fmt.Sprintf("/blocks/%d", i)
		b, err := decodeObject(r)
		if err != nil {
			problems = append(problems, fmt.Sprintf("must be an object [json-pointer:%s]", ptr))
			continue
		}
		blocks[i] = b
		if t, _ := b["type"].(string); t == "" {
			problems = append(problems, fmt.Sprintf("missing required field: type [json-pointer:%s]", ptr))
		}
		if v, present := b["block_id"]; present {
			id, ok := v.(string)
			switch {
			case !ok || id == "":
				problems = append(problems, fmt.Sprintf("block_id must be a non-empty string [json-pointer:%s/block_id]", ptr))
			case !lenient && utf8.RuneCountInString(id) > maxBlockID:
				problems = append(problems, fmt.Sprintf("must be less than %d characters [json-pointer:%s/block_id]", maxBlockID+1, ptr))
			case !lenient && ids[id]:
				problems = append(problems, fmt.Sprintf("duplicate block_id %q [json-pointer:%s/block_id]", id, ptr))
			}
			ids[id] = true
		}
		if !lenient {
			problems = append(problems, checkBlock(b, ptr)...)
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}

	var out bytes.Buffer
	out.WriteByte('[')
	for i, r := range raw {
		if i > 0 {
			out.WriteByte(',')
		}
		r = bytes.TrimSpace(r)
		if _, present := blocks[i]["block_id"]; present {
			out.Write(r)
			continue
		}
		id := newBlockID(r, i, ids)
		ids[id] = true
		fmt.Fprintf(&out, `{"block_id":%q`, id)
		if rest := bytes.TrimSpace(r[1:]); len(rest) > 0 && rest[0] != '}' {
			out.WriteByte(',')
		}
		out.Write(r[1:])
	}
	out.WriteByte(']')
	return out.Bytes(), nil
}

func decodeObject(r json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, fmt.Errorf("null")
	}
	return obj, nil
}

// newBlockID derives a short block_id from the block and its place, so the
// same post always gets the same IDs, unique within the message.
func newBlockID(block []byte, index int, taken map[string]bool) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for salt := 0; ; salt++ {
		h := fnv.New32a()
		fmt.Fprintf(h, "%d/%d/", index, salt)
		h.Write(block)
		n := h.Sum32()
		var id strings.Builder
		for range 5 {
			id.WriteByte(alphabet[n%uint32(len(alphabet))])
			n /= uint32(len(alphabet))
		}
		if !taken[id.String()] {
			return id.String()
		}
	}
}

// checkBlock applies the limits Slack enforces inside one block.
func checkBlock(b map[string]any, ptr string) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	switch b["type"] {
	case "section":
		text, hasText := b["text"].(map[string]any)
		fields, hasFields := b["fields"].([]any)
		if !hasText && !hasFields {
			add("section needs text or fields [json-pointer:%s]", ptr)
		}
		if hasText {
			if n := textLen(text); n < 1 || n > maxSectionText {
				add("must be between 1 and %d characters, got %d [json-pointer:%s/text/text]", maxSectionText, n, ptr)
			}
		}
		if len(fields) > maxSectionFields {
			add("no more than %d items allowed [json-pointer:%s/fields]", maxSectionFields, ptr)
		}
		for i, f := range fields {
			if obj, ok := f.(map[string]any); ok && textLen(obj) > maxFieldText {
				add("must be less than %d characters [json-pointer:%s/fields/%d/text]", maxFieldText+1, ptr, i)
			}
		}
		if acc, ok := b["accessory"].(map[string]any); ok {
			problems = append(problems, checkElement(acc, ptr+"/accessory")...)
		}
	case "header":
		if text, ok := b["text"].(map[string]any); ok && textLen(text) > maxHeaderText {
			add("must be less than %d characters [json-pointer:%s/text/text]", maxHeaderText+1, ptr)
		}
	case "actions", "context_actions":
		elements, _ := b["elements"].([]any)
		if len(elements) < 1 || len(elements) > maxActionsElements {
			add("must have between 1 and %d elements [json-pointer:%s/elements]", maxActionsElements, ptr)
		}
		actionIDs := map[string]bool{}
		for i, e := range elements {
			obj, ok := e.(map[string]any)
			if !ok {
				continue
			}
			epath := fmt.Sprintf("%s/elements/%d", ptr, i)
			problems = append(problems, checkElement(obj, epath)...)
			if id, _ := obj["action_id"].(string); id != "" {
				if actionIDs[id] {
					add("duplicate action_id %q [json-pointer:%s/action_id]", id, epath)
				}
				actionIDs[id] = true
			}
		}
	case "context":
		if elements, _ := b["elements"].([]any); len(elements) > maxContextElements {
			add("no more than %d items allowed [json-pointer:%s/elements]", maxContextElements, ptr)
		}
	case "input":
		if e, ok := b["element"].(map[string]any); ok {
			problems = append(problems, checkElement(e, ptr+"/element")...)
		}
	}
	return problems
}

// checkElement applies the limits of an interactive element.
func checkElement(e map[string]any, ptr string) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if id, _ := e["action_id"].(string); utf8.RuneCountInString(id) > maxActionID {
		add("must be less than %d characters [json-pointer:%s/action_id]", maxActionID+1, ptr)
	}
	if e["type"] != "button" {
		return problems
	}
	text, _ := e["text"].(map[string]any)
	if n := textLen(text); n < 1 || n > maxButtonText {
		add("must be between 1 and %d characters, got %d [json-pointer:%s/text/text]", maxButtonText, n, ptr)
	}
	if v, _ := e["value"].(string); utf8.RuneCountInString(v) > maxButtonValue {
		add("must be less than %d characters [json-pointer:%s/value]", maxButtonValue+1, ptr)
	}
	if u, _ := e["url"].(string); utf8.RuneCountInString(u) > maxButtonURL {
		add("must be less than %d characters [json-pointer:%s/url]", maxButtonURL+1, ptr)
	}
	return problems
}

// textLen is the length in characters of a text object's text.
func textLen(obj map[string]any) int {
	s, _ := obj["text"].(string)
	return utf8.RuneCountInString(s)
}

// truncateText cuts a message text at Slack's 40,000 characters.
func truncateText(s string) string {
	if utf8.RuneCountInString(s) <= maxMessageText {
		return s
	}
	return string([]rune(s)[:maxMessageText])
}

// findElement finds the interactive element with the action_id in stored
// blocks, and the block_id of the block that holds it.
func findElement(blocks json.RawMessage, actionID string) (element map[string]any, blockID string, ok bool) {
	var list []json.RawMessage
	if json.Unmarshal(blocks, &list) != nil {
		return nil, "", false
	}
	for _, r := range list {
		b, err := decodeObject(r)
		if err != nil {
			continue
		}
		var candidates []any
		if els, ok := b["elements"].([]any); ok {
			candidates = append(candidates, els...)
		}
		for _, field := range []string{"accessory", "element"} {
			if el, ok := b[field]; ok {
				candidates = append(candidates, el)
			}
		}
		for _, c := range candidates {
			el, ok := c.(map[string]any)
			if ok && el["action_id"] == actionID {
				id, _ := b["block_id"].(string)
				return el, id, true
			}
		}
	}
	return nil, "", false
}
