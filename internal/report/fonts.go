package report

import _ "embed"

// Noto Sans SC (SIL Open Font License 1.1, see fonts/OFL.txt), TrueType with
// glyf outlines, which fpdf's UTF-8 font support needs. fpdf subsets the font
// on output, so a PDF carries only the glyphs it uses.
var (
	//go:embed fonts/NotoSansSC_400Regular.ttf
	fontRegular []byte
	//go:embed fonts/NotoSansSC_700Bold.ttf
	fontBold []byte
)
