"""Space: distances on the grid, operating areas and strike zones, placement of forces."""
