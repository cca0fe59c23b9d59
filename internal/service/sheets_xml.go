package service

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
)

// tagReader reads the start tags of an XML stream, each as its local name
// and its r attribute, holding one tag at a time (at most maxTag bytes);
// end tags, text, comments, CDATA and processing instructions are skipped.
// It is the cheap first pass over a worksheet: encoding/xml would allocate
// for every token of what may be hundreds of MB.
type tagReader struct {
	r   *bufio.Reader
	buf []byte
}

const maxTag = 64 << 10

var errBadXML = errors.New("malformed worksheet XML")

func (t *tagReader) next() (name, ref string, err error) {
	for {
		for {
			if _, err = t.r.ReadSlice('<'); err != bufio.ErrBufferFull {
				break
			}
		}
		if err != nil {
			return "", "", err
		}
		b, err := t.r.Peek(1)
		if err != nil {
			return "", "", errBadXML
		}
		switch b[0] {
		case '/':
			err = t.skipPast(">")
		case '?':
			err = t.skipPast("?>")
		case '!':
			if p, _ := t.r.Peek(3); string(p) == "!--" {
				err = t.skipPast("-->")
			} else if p, _ := t.r.Peek(8); string(p) == "![CDATA[" {
				err = t.skipPast("]]>")
			} else {
				err = t.skipPast(">")
			}
		default:
			return t.startTag()
		}
		if err != nil {
			return "", "", err
		}
	}
}

// skipPast reads up to and including end.
func (t *tagReader) skipPast(end string) error {
	matched := 0
	for matched < len(end) {
		c, err := t.r.ReadByte()
		if err != nil {
			return errBadXML
		}
		switch c {
		case end[matched]:
			matched++
		case end[0]:
			matched = 1
		default:
			matched = 0
		}
	}
	return nil
}

// startTag reads a start tag after its "<" up to its ">" (quotes kept).
func (t *tagReader) startTag() (name, ref string, err error) {
	t.buf = t.buf[:0]
	var quote byte
	for {
		c, err := t.r.ReadByte()
		if err != nil || len(t.buf) > maxTag {
			return "", "", errBadXML
		}
		if quote == 0 && c == '>' {
			break
		}
		switch {
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case c == quote:
			quote = 0
		}
		t.buf = append(t.buf, c)
	}
	tag := string(bytes.TrimSuffix(t.buf, []byte("/")))
	fields := strings.IndexAny(tag, " \t\r\n")
	if fields < 0 {
		fields = len(tag)
	}
	name, attrs := tag[:fields], tag[fields:]
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	if name != "row" && name != "c" {
		return name, "", nil
	}
	// The r attribute: name r (no prefix), =, a quoted value.
	for attrs = strings.TrimLeft(attrs, " \t\r\n"); attrs != ""; attrs = strings.TrimLeft(attrs, " \t\r\n") {
		eq := strings.IndexByte(attrs, '=')
		if eq < 0 {
			return "", "", errBadXML
		}
		key := strings.TrimSpace(attrs[:eq])
		rest := strings.TrimLeft(attrs[eq+1:], " \t\r\n")
		if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
			return "", "", errBadXML
		}
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return "", "", errBadXML
		}
		if key == "r" {
			ref = rest[1 : 1+end]
		}
		attrs = rest[2+end:]
	}
	return name, ref, nil
}
