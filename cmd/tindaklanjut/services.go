package main

import (
	"context"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/api"
	"github.com/tindaklanjut/tindaklanjut/internal/config"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/idempotency"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// services are the domain services and the API built on them, wired once.
type services struct {
	identity *identity.Service
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
	return &services{
		identity: ids,
		api: api.New(api.Options{
			Identity:    ids,
			Idempotency: idempotency.NewStore(db.DB, now),
			Frameworks:  framework.NewStore(db.DB),
			Assessments: framework.NewAssessments(db.DB, now),
			Findings:    finding.NewService(db.DB, now, cfg.TimeZone),
			Outbox:      notify.NewOutbox(db.DB, now),
			CursorKey:   cursorKey,
			TimeZone:    cfg.TimeZone,
		}),
	}, nil
}
