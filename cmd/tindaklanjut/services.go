package main

import (
	"context"
	"path/filepath"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/api"
	"github.com/tindaklanjut/tindaklanjut/internal/config"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/idempotency"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
)

// services are the domain services and the API built on them, wired once.
type services struct {
	identity *identity.Service
	evidence evidence.Store
	api      *api.API
}

func newServices(ctx context.Context, cfg *config.Config, db *database) (*services, error) {
	now := time.Now
	settings := identity.DefaultSettings
	settings.TokenTTL = cfg.TokenTTL
	ids := identity.NewService(db.DB, now, settings)
	cursorKey, err := postgres.Secret(ctx, db.DB, "cursor_key")
	if err != nil {
		return nil, err
	}
	store, err := evidence.NewFS(filepath.Join(cfg.DataDir, "artifacts"))
	if err != nil {
		return nil, err
	}
	return &services{
		identity: ids,
		evidence: store,
		api: api.New(api.Options{
			Identity:    ids,
			Idempotency: idempotency.NewStore(db.DB, now),
			Frameworks:  framework.NewStore(db.DB),
			Assessments: framework.NewAssessments(db.DB, now),
			Findings:    finding.NewService(db.DB, now, cfg.TimeZone),
			Reports:     report.NewService(db.DB, report.DefaultMaxRows),
			Evidence:    store,
			UploadLimit: cfg.UploadMaxSize,
			CursorKey:   cursorKey,
			TimeZone:    cfg.TimeZone,
		}),
	}, nil
}
