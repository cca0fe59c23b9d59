package report

import (
	"os"
	"strings"
	"testing"
	"time"

	"grantflow/internal/domain"
)

func TestCertificateIsDeterministicAndWhole(t *testing.T) {
	c := Certificate{Number: "XM2026-000001-0001", Name: "李秀英", Project: "河西区失能老年人家庭照护者培训项目", OrgName: "天津市河西区夕阳红社会工作服务中心",
		Issuer: "天津市河西区民政局", Hours: 16, Modules: domain.DefaultModules, Issued: time.Date(2027, 3, 1, 10, 0, 0, 0, domain.ChinaTime)}
	a, err := RenderCertificate(c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := RenderCertificate(c)
	if string(a) != string(b) {
		t.Fatal("the same certificate rendered two different PDFs")
	}
	if p := os.Getenv("GRANTFLOW_PDF_OUT"); p != "" {
		_ = os.WriteFile(p, a, 0o644)
	}
	if !strings.HasPrefix(string(a), "%PDF") {
		t.Fatal("not a PDF")
	}
}
