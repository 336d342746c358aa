package fakeslack

import "fmt"

// channelCreated is the created time every channel reports (it must be an integer).
const channelCreated = 1600000000

func (s *Server) authTest(*request) reply {
	return okReply(map[string]any{
		"url":                   fmt.Sprintf("https://%s.slack.com/", s.cfg.TeamDomain),
		"team":                  s.cfg.TeamName,
		"user":                  s.cfg.BotName,
		"team_id":               s.cfg.TeamID,
		"user_id":               s.cfg.BotUserID,
		"bot_id":                s.cfg.BotID,
		"is_enterprise_install": false,
	})
}

func (s *Server) usersInfo(req *request) reply {
	u, ok := s.users[req.params.Get("user")]
	if !ok {
		return errReply("user_not_found")
	}
	user := map[string]any{
		"id":        u.ID,
		"team_id":   s.cfg.TeamID,
		"name":      u.Name,
		"deleted":   u.Deleted,
		"real_name": u.RealName,
		"tz":        u.TZ,
		"is_bot":    u.IsBot,
		"profile": map[string]any{
			"real_name":    u.RealName,
			"display_name": u.DisplayName,
			"email":        u.Email,
		},
	}
	if u.ID == s.cfg.BotUserID {
		user["profile"].(map[string]any)["bot_id"] = s.cfg.BotID
	}
	return okReply(map[string]any{"user": user})
}

func (s *Server) usergroupsUsersList(req *request) reply {
	members, ok := s.groups[req.params.Get("usergroup")]
	if !ok {
		return errReply("no_such_subteam")
	}
	return okReply(map[string]any{"users": append([]string{}, members...)})
}

func (s *Server) conversationsInfo(req *request) reply {
	c, ok := s.channels[req.params.Get("channel")]
	if !ok || (c.Private && !c.isMember(s.cfg.BotUserID)) {
		return errReply("channel_not_found")
	}
	info := map[string]any{
		"id":         c.ID,
		"name":       c.Name,
		"is_channel": true,
		"is_group":   false,
		"is_im":      false,
		"is_private": c.Private,
		"is_member":  c.isMember(s.cfg.BotUserID),
		"created":    channelCreated,
		"creator":    s.cfg.BotUserID,
	}
	if req.params.Get("include_num_members") == "true" {
		info["num_members"] = len(c.Members)
	}
	return okReply(map[string]any{"channel": info})
}
