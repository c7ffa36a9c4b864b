"""The residents' survey (问卷): an administrator writes and publishes a survey, residents answer it once and
anonymously, and the results are counted beside the county's rollout plan (docs/surveys.md)."""
