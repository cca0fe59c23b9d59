package web

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"

	"grantflow/internal/i18n"
)

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// templateKeys parses every template and returns the Chinese string
// constants its actions use, and the Chinese text written outside T.
func templateKeys(t *testing.T) (keys, untranslated []string) {
	t.Helper()
	funcs := map[string]any{}
	for _, name := range []string{"T", "date", "datetime", "lang", "static", "yuan", "size", "short", "add", "deref", "hhmm", "float", "subkey",
		"stages", "stageBefore", "hasPrefix", "stepLabel", "sub", "dict", "pdfMissing", "sorth", "html", "js", "urlquery", "print", "printf", "index", "len", "slice",
		"eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "call"} {
		funcs[name] = hasHan // any function: parsing only checks the name
	}
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := assets.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		trees, err := parse.Parse(f, string(b), "{{", "}}", funcs)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, tree := range trees {
			walk(tree.Root, func(n parse.Node, cmd *parse.CommandNode) {
				switch n := n.(type) {
				case *parse.TextNode:
					if hasHan(string(n.Text)) {
						untranslated = append(untranslated, f+": "+strings.TrimSpace(string(n.Text)))
					}
				case *parse.StringNode:
					if !hasHan(n.Text) || n.Text == "中文" { // the language's own name is not translated
						return
					}
					if cmd != nil && len(cmd.Args) > 0 {
						if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok && (id.Ident == "eq" || id.Ident == "ne") {
							return // compared with data, not shown
						}
					}
					keys = append(keys, n.Text)
				}
			})
		}
	}
	return keys, untranslated
}

// walk visits every node, with the command it is an argument of.
func walk(n parse.Node, visit func(parse.Node, *parse.CommandNode)) {
	var rec func(n parse.Node, cmd *parse.CommandNode)
	pipe := func(p *parse.PipeNode) {
		if p == nil {
			return
		}
		for _, c := range p.Cmds {
			rec(c, c)
		}
	}
	rec = func(n parse.Node, cmd *parse.CommandNode) {
		if n == nil {
			return
		}
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				rec(c, nil)
			}
		case *parse.ActionNode:
			pipe(n.Pipe)
		case *parse.CommandNode:
			for _, a := range n.Args {
				rec(a, n)
			}
		case *parse.PipeNode:
			pipe(n)
		case *parse.IfNode:
			pipe(n.Pipe)
			rec(n.List, nil)
			rec(n.ElseList, nil)
		case *parse.RangeNode:
			pipe(n.Pipe)
			rec(n.List, nil)
			rec(n.ElseList, nil)
		case *parse.WithNode:
			pipe(n.Pipe)
			rec(n.List, nil)
			rec(n.ElseList, nil)
		case *parse.TemplateNode:
			pipe(n.Pipe)
		default:
			visit(n, cmd)
		}
	}
	rec(n, nil)
}

// translatedPackages are the Go packages whose Chinese reaches the pages:
// labels, error messages, field errors, notices.
var translatedPackages = []string{"../internal/domain", "../internal/service", "../internal/auth", "."}

// notShown are files whose Chinese is for documents in Chinese (PDFs, Excel
// sheets, the audit trail), not the interface; the list exports are skipped
// by isSheet.
var notShown = []string{}

// goKeys returns the Chinese string literals of the translated packages.
func goKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	fset := token.NewFileSet()
	for _, dir := range translatedPackages {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || slices.Contains(notShown, filepath.Base(f)) {
				continue
			}
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				if isSheet(n) {
					return false // a list export: a document in Chinese
				}
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil && hasHan(s) {
						keys = append(keys, s)
					}
				}
				return true
			})
		}
	}
	return keys
}

// isSheet reports a function that builds a list export (xxxSheet, see
// sheet in answer_files.go): a workbook's name, header and rows are in
// Chinese like the other documents.
func isSheet(n ast.Node) bool {
	f, ok := n.(*ast.FuncDecl)
	return ok && strings.HasSuffix(f.Name.Name, "Sheet")
}

func mustCatalogue(t *testing.T) *i18n.Catalogue {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEveryTextIsTranslated: no Chinese is written into a template outside
// T, and the catalogue has English for every key of the templates and for
// every Chinese string of the Go code behind the pages. Set
// GRANTFLOW_I18N_MISSING=file to have the missing keys written there.
func TestEveryTextIsTranslated(t *testing.T) {
	keys, untranslated := templateKeys(t)
	for _, u := range untranslated {
		t.Errorf("Chinese outside T: %s", u)
	}
	keys = append(keys, goKeys(t)...)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	cat := mustCatalogue(t)
	var missing []string
	for _, k := range keys {
		if !cat.Has(k) {
			missing = append(missing, k)
		}
	}
	if out := os.Getenv("GRANTFLOW_I18N_MISSING"); out != "" {
		b, _ := json.MarshalIndent(missing, "", " ")
		if err := os.WriteFile(out, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d keys have no English in internal/i18n/en.json, e.g. %q", len(missing), len(keys), missing[:min(5, len(missing))])
	}
}
