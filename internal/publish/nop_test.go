package publish

import (
	"context"

	"github.com/hookctl/hookctl/internal/store"
)

type nopStore struct{}

func (nopStore) PendingPublishes(context.Context, int) ([]store.PendingPublish, error) {
	return nil, nil
}
func (nopStore) MarkPublished(context.Context, []int64) error { return nil }
func (nopStore) PublishBacklog(context.Context) (int, error)  { return 0, nil }
