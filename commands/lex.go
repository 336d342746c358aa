package commands

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// lex splits text into words the way a shell would (quotes group, a backslash
// escapes), forgiving what phones and chat apps do to typed text:
//
//   - any Unicode space separates words, so a non-breaking space is a space;
//   - curly quotes (“…”, ‘…’, „…“) quote like straight ones;
//   - single quotes, and curly double quotes, open only at the start of a word
//     or right after "=", and a single quote closes only before a space or the
//     end, so the apostrophe in don't or don’t stays an apostrophe;
//   - a straight double quote inside a word that is never closed (5" screen)
//     is a plain character;
//   - zero-width spaces, word joiners and byte order marks vanish;
//   - a line break or tab inside quotes becomes a space;
//   - an em or en dash that starts a word is "--", which is what phones turn it
//     into (—force was typed --force).
//
// Other control and invisible formatting characters are refused: they have no
// business in a command and can make text look like something it is not.
func lex(text string) ([]string, error) {
	var literal []int // positions of straight double quotes that open mid-word and never close
	for {
		words, open, err := lexOnce(text, literal)
		if err == nil || open < 0 || len(literal) >= 8 {
			return words, err
		}
		// A straight double quote inside a word that never closes is a plain character.
		literal = append(literal, open)
	}
}

// lexOnce lexes text, treating the quotes at the positions in literal as plain
// characters. When a quote that opened inside a word is never closed, it also
// returns that quote's position (else -1), so lex can try again.
func lexOnce(text string, literal []int) (words []string, midWordOpen int, err error) {
	words = make([]string, 0, min(strings.Count(text, " ")+1, 64))
	var (
		buf      []byte // the word so far, once it differs from the text
		copied   bool   // buf holds the word; otherwise the word is text[start:i]
		inWord   bool
		start    int
		quote    byte // 0, '"' or '\''
		quoteAt  int  // where the open quote is, for the error
		midWord  bool // the open quote opened inside a word
		lastByte byte // the last byte of the word so far
	)
	toBuf := func(i int) {
		if !copied {
			buf = append(buf[:0], text[start:i]...)
			copied = true
		}
	}
	add := func(s string) {
		if copied {
			buf = append(buf, s...)
		}
		lastByte = s[len(s)-1]
	}
	begin := func(i int) {
		if !inWord {
			inWord, start, copied, lastByte = true, i, false, 0
		}
	}
	end := func(i int) {
		if !inWord {
			return
		}
		if copied {
			words = append(words, string(buf))
		} else {
			words = append(words, text[start:i])
		}
		inWord = false
	}
	isLiteral := func(i int) bool {
		for _, p := range literal {
			if p == i {
				return true
			}
		}
		return false
	}

	for i := 0; i < len(text); {
		// Fast path: a printable ASCII character that means nothing to the lexer.
		if c := text[i]; c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '\\' {
			if quote == 0 {
				begin(i)
			}
			if copied {
				buf = append(buf, c)
			}
			lastByte = c
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && size == 1 {
			return nil, -1, errors.New("the text is not valid UTF-8")
		}
		next := i + size
		switch {
		case vanishes(r):
			if inWord {
				toBuf(i)
			}
		case quote == '"':
			switch {
			case r == '\\' && next < len(text):
				r2, s2 := utf8.DecodeRuneInString(text[next:])
				if r2 == '\\' || isDoubleQuote(r2) {
					add(text[next : next+s2])
					next += s2
				} else {
					add(`\`)
				}
			case isDoubleQuote(r):
				quote = 0
			case unicode.IsControl(r) && unicode.IsSpace(r):
				add(" ")
			case refused(r):
				return nil, -1, refusedRune(r)
			default:
				add(text[i:next])
			}
		case quote == '\'':
			switch {
			case isSingleQuote(r) && closesSingle(text, next):
				quote = 0
			case unicode.IsControl(r) && unicode.IsSpace(r):
				add(" ")
			case refused(r):
				return nil, -1, refusedRune(r)
			default:
				add(text[i:next])
			}
		case unicode.IsSpace(r):
			end(i)
		case refused(r):
			return nil, -1, refusedRune(r)
		case r == '\\':
			begin(i)
			toBuf(i)
			if next == len(text) {
				add(`\`)
				break
			}
			r2, s2 := utf8.DecodeRuneInString(text[next:])
			switch {
			case r2 == utf8.RuneError && s2 == 1:
				return nil, -1, errors.New("the text is not valid UTF-8")
			case unicode.IsControl(r2) && unicode.IsSpace(r2):
				add(" ") // a word holds no tabs or line breaks, escaped or not
			case refused(r2):
				return nil, -1, refusedRune(r2)
			default:
				add(text[next : next+s2])
			}
			next += s2
		case (r == '—' || r == '–') && !inWord:
			// Phones turn a typed -- into a dash: —force was --force.
			begin(i)
			toBuf(i)
			add("--")
		case opensQuote(r, inWord, lastByte) && !isLiteral(i):
			midWord = inWord && lastByte != '='
			begin(i)
			toBuf(i)
			quote, quoteAt = '"', i
			if isSingleQuote(r) {
				quote = '\''
			}
		default:
			begin(i)
			add(text[i:next])
		}
		i = next
	}
	if quote != 0 {
		open := -1
		if midWord && text[quoteAt] == quote {
			open = quoteAt
		}
		shown := text[quoteAt:]
		if n := 24; utf8.RuneCountInString(shown) > n {
			shown = string([]rune(shown)[:n]) + "…"
		}
		return nil, open, fmt.Errorf("a quote is never closed: %s", shown)
	}
	end(len(text))
	return words, -1, nil
}

// opensQuote reports whether r opens a quoted text here. A straight double
// quote opens anywhere, as in a shell; every other quote only at the start of
// a word or after "=", so the apostrophe in don't or don’t stays one.
func opensQuote(r rune, inWord bool, lastByte byte) bool {
	if r == '"' {
		return true
	}
	return (isDoubleQuote(r) || isSingleQuote(r)) && (!inWord || lastByte == '=')
}

// vanishes reports characters that are dropped wherever they are: invisible
// spaces and marks that phones and copy-paste leave in text.
func vanishes(r rune) bool {
	switch r {
	case '\u200b', '\u2060', '\ufeff', '\u00ad': // zero-width space, word joiner, BOM, soft hyphen
		return true
	}
	return false
}

// refused reports characters a command may not contain: control characters
// (other than spaces) and invisible formatting characters such as the
// right-to-left override, except the joiners emoji need.
func refused(r rune) bool {
	if r < 0x20 || r == 0x7f {
		return !unicode.IsSpace(r)
	}
	if r < 0x80 {
		return false
	}
	if unicode.IsControl(r) {
		return !unicode.IsSpace(r)
	}
	if unicode.Is(unicode.Cf, r) {
		return r != '\u200c' && r != '\u200d'
	}
	return unicode.Is(unicode.Co, r) || r == utf8.RuneError
}

func refusedRune(r rune) error {
	return fmt.Errorf("the text holds an invisible or control character (U+%04X); retype the command", r)
}

func isDoubleQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '„', '‟':
		return true
	}
	return false
}

func isSingleQuote(r rune) bool {
	switch r {
	case '\'', '‘', '’', '‚', '‛':
		return true
	}
	return false
}

// closesSingle reports whether a single quote ending at i closes a quoted
// text: only when a space or the end follows, so 'don't panic' stays one text.
func closesSingle(text string, i int) bool {
	if i >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsSpace(r)
}

// quoteWord returns w as lex reads it back: bare when it holds only safe
// characters, else in double quotes with \ before every double quote and backslash.
func quoteWord(w string) string {
	if w != "" && isBare(w) {
		return w
	}
	var b strings.Builder
	b.Grow(len(w) + 2)
	writeQuoted(&b, w)
	return b.String()
}

func writeWord(b *strings.Builder, w string) {
	if w != "" && isBare(w) {
		b.WriteString(w)
		return
	}
	writeQuoted(b, w)
}

func writeQuoted(b *strings.Builder, w string) {
	b.WriteByte('"')
	for _, r := range w {
		if r == '\\' || isDoubleQuote(r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
}

func isBare(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-_.:/@=,+%^~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
