# Models of this app arrive with their issue (see DESIGN.md, "Data model").
