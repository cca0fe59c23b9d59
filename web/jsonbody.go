package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"grantflow/internal/domain"
)

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 1 << 20

// decodeJSON reads a request's JSON body into v. A body that cannot be read
// is refused in words a person can act on — which field, what was expected,
// what came — never with the decoder's Go-internal message.
func decodeJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxJSONBody))
	if err != nil {
		return jsonError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var parse *time.ParseError
		if errors.As(err, &parse) {
			// time.Time's decoder does not say which field it was
			// reading: find the field that holds the text it refused.
			if field := fieldHolding(body, strings.Trim(parse.Value, `"`)); field != "" {
				return fieldError(field, fmt.Sprintf("应为%s，收到的是%s。", jsonKind(timeType), "“"+strings.Trim(parse.Value, `"`)+"”"))
			}
		}
		return jsonError(err)
	}
	if dec.More() {
		return domain.Errorf(domain.CodeInvalid, "请求体在 JSON 对象之后还有多余的内容，应只有一个 JSON 对象。")
	}
	return nil
}

// jsonError says what is wrong with a JSON body.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	var parse *time.ParseError
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		return err // a field's own check (a domain type's UnmarshalJSON)
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.CodeInvalid, "请求体为空，应为一个 JSON 对象。")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.CodeInvalid, "请求体不完整：JSON 在结束之前中断了。")
	case errors.As(err, &tooBig):
		return domain.Errorf(domain.CodeInvalid, "请求体超过 %d MB 的上限。", maxJSONBody>>20)
	case errors.As(err, &syntax):
		return domain.Errorf(domain.CodeInvalid, "请求体不是有效的 JSON：第 %d 个字节附近有语法错误。", syntax.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return domain.Errorf(domain.CodeInvalid, "请求体应为%s，收到的是%s。", jsonKind(typ.Type), jsonValue(typ.Value))
		}
		return fieldError(field, fmt.Sprintf("应为%s，收到的是%s。", jsonKind(typ.Type), jsonValue(typ.Value)))
	case errors.As(err, &parse):
		return domain.Errorf(domain.CodeInvalid, "日期时间“%s”的格式不对：应为 RFC 3339 格式，例如 2026-12-01T09:00:00+08:00。", strings.Trim(parse.Value, `"`))
	}
	if strings.HasPrefix(err.Error(), "Time.UnmarshalJSON") {
		return domain.Errorf(domain.CodeInvalid, "日期时间应为 RFC 3339 格式的文本，例如 \"2026-12-01T09:00:00+08:00\"。")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return fieldError(name, "没有这个字段，请对照 API 说明（/api/v1/openapi.yaml）检查字段名。")
	}
	return domain.Wrap(err, domain.CodeInvalid, "请求体中有字段的值格式不对，请对照 API 说明（/api/v1/openapi.yaml）检查。")
}

// fieldHolding is the path ("bid_deadline", "items.0.at") of the first
// string in a JSON body whose value is text, or "" when there is none.
func fieldHolding(body []byte, text string) string {
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return ""
	}
	var find func(v any, path string) string
	find = func(v any, path string) string {
		join := func(k string) string {
			if path == "" {
				return k
			}
			return path + "." + k
		}
		switch x := v.(type) {
		case string:
			if x == text && path != "" {
				return path
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if p := find(x[k], join(k)); p != "" {
					return p
				}
			}
		case []any:
			for i, e := range x {
				if p := find(e, join(strconv.Itoa(i))); p != "" {
					return p
				}
			}
		}
		return ""
	}
	return find(doc, "")
}

// fieldError is a refusal naming one field, in its message and its fields.
func fieldError(field, message string) error {
	return &domain.Error{Code: domain.CodeInvalid, Message: fmt.Sprintf("字段“%s”%s", field, message),
		Fields: map[string]string{field: message}}
}

var timeType = reflect.TypeFor[time.Time]()

// jsonKind names, for people, the JSON a Go type expects.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "其他类型的值"
	}
	if t == timeType {
		return "日期时间文本（RFC 3339 格式，例如 2026-12-01T09:00:00+08:00）"
	}
	switch t.Kind() {
	case reflect.String:
		return "文本"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "整数"
	case reflect.Float32, reflect.Float64:
		return "数字"
	case reflect.Bool:
		return "布尔值（true 或 false）"
	case reflect.Slice, reflect.Array:
		return "数组"
	case reflect.Struct, reflect.Map:
		return "对象"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "其他类型的值"
}

// jsonValue names the JSON that came ("number 1.5", "string", …).
func jsonValue(v string) string {
	kind, rest, _ := strings.Cut(v, " ")
	name := map[string]string{"string": "文本", "number": "数字", "bool": "布尔值", "array": "数组", "object": "对象"}[kind]
	if name == "" {
		return v
	}
	if rest != "" {
		return name + " " + rest
	}
	return name
}
