package domain

import (
	"strings"
	"unicode/utf8"
)

// AreaLevel is a level of the area tree.
type AreaLevel string

// Area levels, from the city down.
const (
	LevelCity      AreaLevel = "city"      // 市
	LevelDistrict  AreaLevel = "district"  // 区
	LevelStreet    AreaLevel = "street"    // 街道/乡镇
	LevelCommunity AreaLevel = "community" // 社区/村
)

// Label is the Chinese name of the level.
func (l AreaLevel) Label() string {
	switch l {
	case LevelCity:
		return "市"
	case LevelDistrict:
		return "区"
	case LevelStreet:
		return "街道/乡镇"
	case LevelCommunity:
		return "社区/村"
	}
	return string(l)
}

// Child is the level below l ("" below a community).
func (l AreaLevel) Child() AreaLevel {
	switch l {
	case LevelCity:
		return LevelDistrict
	case LevelDistrict:
		return LevelStreet
	case LevelStreet:
		return LevelCommunity
	}
	return ""
}

// Area is a node of the area tree.
type Area struct {
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Level      AreaLevel `json:"level"`
	ParentCode string    `json:"parent_code,omitempty"`
}

// ValidateNewArea checks a street or community to add under parent: the
// level must be the parent's child level, and the code must extend the
// parent's code with digits (GB/T 2260 and the statistical codes do).
func ValidateNewArea(a Area, parent Area) error {
	fe := FieldErrors{}
	if a.Level == "" || a.Level != parent.Level.Child() {
		fe.Add("level", "只能在“"+parent.Name+"”下添加"+parent.Level.Child().Label()+"。")
	}
	if !strings.HasPrefix(a.Code, parent.Code) || len(a.Code) <= len(parent.Code) || len(a.Code) > 15 || strings.Trim(a.Code, "0123456789") != "" {
		fe.Add("code", "区划代码须为数字，并以上级代码 "+parent.Code+" 开头。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(a.Name)); n < 2 || n > 40 {
		fe.Add("name", "请填写名称（2 至 40 个字）。")
	}
	return fe.Err()
}
