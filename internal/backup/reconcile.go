package backup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"grantflow/workflows"
)

// Mismatch is a call or project whose row and workflow disagree.
type Mismatch struct {
	Kind       string // call or project
	ID         string
	WorkflowID string
	Row        string // the row's stage
	Workflow   string // the workflow's stage, or what is wrong with it
	Running    bool
}

func (m Mismatch) String() string {
	state := "closed"
	if m.Running {
		state = "running"
	}
	return fmt.Sprintf("%-8s %s: the database says %q, the workflow %s (%s) says %q", strings.ToUpper(m.Kind), m.ID, m.Row, m.WorkflowID, state, m.Workflow)
}

// Reconcile compares every call's and project's stage in the database with
// its workflow in Temporal: a running workflow's own answer (its query), a
// closed one's last stage (its search attribute). After a restore, or after
// Temporal was restored to another point, it names every lifecycle whose
// two halves disagree; it changes nothing. Closed workflows Temporal no
// longer keeps (past the namespace's retention) are not counted as
// mismatches when the row's stage is a final one.
func Reconcile(ctx context.Context, db *pgxpool.Pool, tc client.Client) (checked int, out []Mismatch, err error) {
	for _, kind := range []string{"call", "project"} {
		table, wid := "calls", workflows.CallWorkflowID
		query := workflows.QueryState
		if kind == "project" {
			table, wid, query = "projects", workflows.ProjectWorkflowID, workflows.QueryProject
		}
		rows, err := db.Query(ctx, `SELECT id::text, stage FROM `+table+` ORDER BY created_at, id`)
		if err != nil {
			return checked, out, err
		}
		type row struct{ id, stage string }
		var all []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.stage); err != nil {
				rows.Close()
				return checked, out, err
			}
			all = append(all, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return checked, out, err
		}
		for _, r := range all {
			checked++
			m := Mismatch{Kind: kind, ID: r.id, WorkflowID: wid(r.id), Row: r.stage}
			desc, err := tc.DescribeWorkflowExecution(ctx, m.WorkflowID, "")
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				if !finalStage(r.stage) {
					m.Workflow = "(no such workflow)"
					out = append(out, m)
				}
				continue
			}
			if err != nil {
				return checked, out, fmt.Errorf("describe %s: %w", m.WorkflowID, err)
			}
			info := desc.GetWorkflowExecutionInfo()
			m.Running = info.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING
			if m.Running {
				v, err := tc.QueryWorkflow(ctx, m.WorkflowID, "", query)
				if err != nil {
					return checked, out, fmt.Errorf("query %s: %w", m.WorkflowID, err)
				}
				var st struct{ Stage string }
				if err := v.Get(&st); err != nil {
					return checked, out, fmt.Errorf("query %s: %w", m.WorkflowID, err)
				}
				m.Workflow = st.Stage
			} else if p := info.GetSearchAttributes().GetIndexedFields()[workflows.SAStage.GetName()]; p != nil {
				if err := converter.GetDefaultDataConverter().FromPayload(p, &m.Workflow); err != nil {
					return checked, out, fmt.Errorf("%s stage: %w", m.WorkflowID, err)
				}
			}
			if m.Workflow != r.stage {
				if !m.Running {
					m.Workflow += " (" + strings.ToLower(strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_")) + ")"
				}
				out = append(out, m)
			}
		}
	}
	return checked, out, nil
}

// finalStage reports a stage no workflow waits in any more.
func finalStage(s string) bool {
	switch s {
	case "awarded", "cancelled", "failed", "archived", "terminated":
		return true
	}
	return false
}
